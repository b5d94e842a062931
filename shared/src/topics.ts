/**
 * MQTT topic builders and parsers: the one place that spells the topic tree.
 *
 * parking/gates/{g}/auth/request      edge  -> cloud
 * parking/gates/{g}/auth/response     cloud -> edge
 * parking/gates/{g}/events            edge  -> cloud
 * parking/gates/{g}/events/ack        cloud -> edge
 * parking/gates/{g}/availability      edge (retained; last will "offline")
 * parking/gates/{g}/state             edge (retained)
 * parking/gates/{g}/command           cloud/operator -> edge
 * parking/gates/{g}/command/response  edge -> cloud/operator
 * parking/gates/{g}/allowlist         cloud -> edge (retained; signed; opt-in per facility)
 * parking/events/{type}               cloud -> subscribers (domain events)
 * parking/operators/{name}/command    operator -> cloud (audited, then relayed to the gate)
 * parking/operators/{name}/command/response  cloud -> operator
 * parking/operators/{name}/ha/{g}/{entity}    Home Assistant (as the account name) -> cloud
 * homeassistant/{component}/{g}/{object}/config  cloud (retained): MQTT discovery, opt-in
 */

export const TOPIC_ROOT = 'parking';
export const GATES_PREFIX = `${TOPIC_ROOT}/gates/`;
export const OPERATORS_PREFIX = `${TOPIC_ROOT}/operators/`;

/** Home Assistant's discovery prefix (its default): the cloud publishes there, accounts read it. */
export const HA_DISCOVERY_PREFIX = 'homeassistant';

/** A Home Assistant command topic: which account sent what to which gate's entity, or null. */
export function parseHomeAssistantTopic(
  topic: string,
): { name: string; gateId: string; entity: string } | null {
  const match =
    /^parking\/operators\/([a-z][a-z0-9.]{1,31})\/ha\/([A-Za-z0-9_-]{1,64})\/([a-z_]{1,32})$/.exec(topic);
  return match ? { name: match[1]!, gateId: match[2]!, entity: match[3]! } : null;
}

/** The account name an operator command topic names (`parking/operators/{name}/command`), or null. */
export function parseOperatorCommandTopic(topic: string): string | null {
  if (!topic.startsWith(OPERATORS_PREFIX) || !topic.endsWith('/command')) return null;
  const name = topic.slice(OPERATORS_PREFIX.length, -'/command'.length);
  return /^[a-z][a-z0-9.]{1,31}$/.test(name) ? name : null;
}

/** The leaf of each per-gate topic. */
export const GateChannel = {
  authRequest: 'auth/request',
  authResponse: 'auth/response',
  events: 'events',
  eventsAck: 'events/ack',
  availability: 'availability',
  state: 'state',
  command: 'command',
  commandResponse: 'command/response',
  /** The signed offline allowlist (opt-in per facility): cloud → entry gate, retained. */
  allowlist: 'allowlist',
} as const;

export type GateChannel = (typeof GateChannel)[keyof typeof GateChannel];

/** Channels a gate publishes on; every other per-gate channel is the cloud's or an operator's. */
export const GATE_PUBLISHES: ReadonlySet<GateChannel> = new Set([
  GateChannel.authRequest,
  GateChannel.events,
  GateChannel.availability,
  GateChannel.state,
  GateChannel.commandResponse,
]);

/** Channels a gate may subscribe to. */
export const GATE_SUBSCRIBES: ReadonlySet<GateChannel> = new Set([
  GateChannel.authResponse,
  GateChannel.eventsAck,
  GateChannel.command,
  GateChannel.allowlist,
]);

const GATE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidGateId(gateId: string): boolean {
  return GATE_ID.test(gateId);
}

export function gateTopic(gateId: string, channel: GateChannel): string {
  if (!isValidGateId(gateId)) throw new Error(`invalid gate id for a topic: ${JSON.stringify(gateId)}`);
  return `${GATES_PREFIX}${gateId}/${channel}`;
}

export const topics = {
  authRequest: (g: string) => gateTopic(g, GateChannel.authRequest),
  authResponse: (g: string) => gateTopic(g, GateChannel.authResponse),
  events: (g: string) => gateTopic(g, GateChannel.events),
  eventsAck: (g: string) => gateTopic(g, GateChannel.eventsAck),
  availability: (g: string) => gateTopic(g, GateChannel.availability),
  state: (g: string) => gateTopic(g, GateChannel.state),
  command: (g: string) => gateTopic(g, GateChannel.command),
  commandResponse: (g: string) => gateTopic(g, GateChannel.commandResponse),
  allowlist: (g: string) => gateTopic(g, GateChannel.allowlist),
  domainEvent: (type: string) => `${TOPIC_ROOT}/events/${type}`,
  /** Only the account `name` may publish here; the cloud audits and relays to the gate. */
  operatorCommand: (name: string) => `${OPERATORS_PREFIX}${name}/command`,
  operatorCommandResponse: (name: string) => `${OPERATORS_PREFIX}${name}/command/response`,
  allOperatorCommands: `${TOPIC_ROOT}/operators/+/command`,
  /** Where Home Assistant, signed in as the account `name`, presses a gate's button or sets its barrier. */
  homeAssistantCommand: (name: string, gateId: string, entity: string) =>
    `${OPERATORS_PREFIX}${name}/ha/${gateId}/${entity}`,
  allHomeAssistantCommands: `${TOPIC_ROOT}/operators/+/ha/+/+`,
  /** Subscriptions of the cloud: every gate's requests, events and reports. */
  allAuthRequests: `${GATES_PREFIX}+/${GateChannel.authRequest}`,
  allEvents: `${GATES_PREFIX}+/${GateChannel.events}`,
  allAvailability: `${GATES_PREFIX}+/${GateChannel.availability}`,
  allStates: `${GATES_PREFIX}+/${GateChannel.state}`,
  allCommandResponses: `${GATES_PREFIX}+/${GateChannel.commandResponse}`,
  allDomainEvents: `${TOPIC_ROOT}/events/#`,
} as const;

export interface ParsedGateTopic {
  gateId: string;
  channel: GateChannel;
}

const CHANNELS: ReadonlySet<string> = new Set(Object.values(GateChannel));

/** Parses a concrete (wildcard-free) per-gate topic; null for anything else. */
export function parseGateTopic(topic: string): ParsedGateTopic | null {
  if (!topic.startsWith(GATES_PREFIX)) return null;
  const rest = topic.slice(GATES_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return null;
  const gateId = rest.slice(0, slash);
  const channel = rest.slice(slash + 1);
  if (!isValidGateId(gateId) || !CHANNELS.has(channel)) return null;
  return { gateId, channel: channel as GateChannel };
}

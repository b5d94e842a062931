/**
 * Who may publish and subscribe where on the embedded broker: pure functions of the principal and
 * the topic, so the rules are tested without a broker. Deny by default: a topic not explicitly
 * granted, or a client with no principal, gets nothing.
 */

import { hasWildcard, isValidFilter } from '@parkinglot/platform/mqtt';
import {
  GATE_PUBLISHES,
  GATE_SUBSCRIBES,
  GateChannel,
  type GateChannel as GateChannelName,
  HA_DISCOVERY_PREFIX,
  type OperatorRole,
  parseGateTopic,
  parseHomeAssistantTopic,
  TOPIC_ROOT,
  topics,
} from '@parkinglot/shared';

/**
 * The identity a connection authenticated as; stored on the aedes client by the broker. An operator
 * login is a named account (`name`) with its role (`level`).
 */
export type Principal =
  | { role: 'gate'; gateId: string }
  | { role: 'service' }
  | { role: 'operator'; name: string; level: OperatorRole };

const PARKING_PREFIX = `${TOPIC_ROOT}/`;

/** The gate channel `topic` names when it is exactly one of `gateId`'s topics in `allowed`. */
function ownGateChannel(gateId: string, topic: string, allowed: ReadonlySet<GateChannelName>): boolean {
  // parseGateTopic only accepts concrete topics whose gate id matches [A-Za-z0-9_-]: a '+' or '#'
  // in the gate level or the channel makes it return null, so a wildcard can never reach here.
  const parsed = parseGateTopic(topic);
  return parsed !== null && parsed.gateId === gateId && allowed.has(parsed.channel);
}

/** May `principal` publish on the concrete topic name `topic`? */
export function canPublish(principal: Principal | null | undefined, topic: string): boolean {
  if (!principal) return false;
  // [MQTT-3.3.2-2] a PUBLISH topic name carries no wildcards; aedes checks this too, we do not rely on it.
  if (topic.length === 0 || hasWildcard(topic)) return false;
  // '$' topics ($SYS/…) are the broker's own (MQTT 3.1.1 section 4.7.2); aedes's default hook
  // refuses them for everyone (moscajs/aedes#597), and replacing the hook must not lose that.
  if (topic.startsWith('$')) return false;
  switch (principal.role) {
    case 'service':
      return true;
    case 'gate':
      return ownGateChannel(principal.gateId, topic, GATE_PUBLISHES);
    case 'operator':
      // Commands only, and only on the account's own topic: the cloud reads who sent it from the
      // topic, audits it and relays it to the gate. A gate's command topic is the cloud's alone, so
      // an operator cannot skip the audit or sign a command with another's name. Viewers only read.
      if (principal.level === 'viewer') return false;
      return (
        topic === topics.operatorCommand(principal.name) ||
        parseHomeAssistantTopic(topic)?.name === principal.name
      );
  }
}

/** May `principal` subscribe to the topic filter `filter`? */
export function canSubscribe(principal: Principal | null | undefined, filter: string): boolean {
  if (!principal || !isValidFilter(filter)) return false;
  switch (principal.role) {
    case 'service':
      return true;
    case 'gate':
      // Exact topics only: a wildcard filter would also match other gates' channels
      // (parking/gates/+/…) or this gate's own outbound ones, and neither is the gate's business.
      return ownGateChannel(principal.gateId, filter, GATE_SUBSCRIBES);
    case 'operator':
      // Anything under parking/ (parking/#, parking/gates/+/state, …). A filter starting with a
      // wildcard is refused even though '#' alone would also match parking/… — it matches more.
      // And Home Assistant's discovery topics, which the cloud publishes when asked to.
      return filter.startsWith(PARKING_PREFIX) || filter.startsWith(`${HA_DISCOVERY_PREFIX}/`);
  }
}

/** Gate channels a gate may publish retained: what it says of itself, for whoever looks later. */
const GATE_RETAINS: ReadonlySet<GateChannelName> = new Set([GateChannel.availability, GateChannel.state]);

/**
 * May `principal` have the broker keep its publish on `topic` for later subscribers? A retained
 * request, event or command would be delivered again to every new subscriber as if it were new.
 */
export function canRetain(principal: Principal | null | undefined, topic: string): boolean {
  if (!canPublish(principal, topic)) return false;
  switch (principal!.role) {
    case 'service':
      return true;
    case 'gate':
      return ownGateChannel(principal!.gateId, topic, GATE_RETAINS);
    case 'operator':
      return false;
  }
}

/**
 * Is `clientId` one this principal may use? The client id names the session the broker keeps and
 * the connection it replaces [MQTT-3.1.4-2], so a login gets only its own: a gate's is its gate id,
 * an operator account's is its name or starts with `<name>-` (names hold no '-', so no account's
 * ids are another's). The cloud's own login is trusted with any.
 */
export function clientIdFits(principal: Principal, clientId: string): boolean {
  switch (principal.role) {
    case 'service':
      return true;
    case 'gate':
      return clientId === principal.gateId;
    case 'operator':
      return clientId === principal.name || clientId.startsWith(`${principal.name}-`);
  }
}

/**
 * A last will is a PUBLISH the broker makes on the client's behalf later [MQTT-3.1.2-8], so it needs
 * the same right as publishing on its topic now.
 */
export function canSetWill(principal: Principal | null | undefined, willTopic: string): boolean {
  return canPublish(principal, willTopic);
}

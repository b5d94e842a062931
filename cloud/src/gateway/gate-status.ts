/**
 * What each gate says of itself: its retained `availability` (with the last will that turns it
 * `offline`) and its retained `state` (barrier, phase, loops, last read, outbox depth, cloud link,
 * alarms). Every instance follows every gate, without a share group: the broker hands the retained
 * messages to each new subscription, so an instance that starts or reconnects knows at once.
 *
 * Only gates in the directory are kept (the broker's ACL lets only a gate publish on its own
 * topics, so nothing else can add one), and each report is bounded and parsed before it is kept.
 */
import type { Logger } from '@parkinglot/platform/log';
import {
  type Availability,
  availabilitySchema,
  type GateState,
  gateStateSchema,
  parseGateTopic,
  parseJsonPayload,
  topics,
} from '@parkinglot/shared';
import type { GateDirectory } from './gate-directory.js';
import type { MqttPort } from './port.js';

/** A state report is a few hundred bytes; a gate with many alarms still far under this. */
export const MAX_STATE_BYTES = 8 * 1024;

export interface GateReportedStatus {
  availability: Availability | 'unknown';
  state: (GateState & { phase?: string }) | null;
  /** When this cloud last heard from the gate (ISO time), or null. */
  seenAt: string | null;
}

const UNKNOWN: GateReportedStatus = { availability: 'unknown', state: null, seenAt: null };

export type StatusListener = (gateId: string, status: GateReportedStatus) => void;

export class GateStatus {
  private readonly statuses = new Map<string, GateReportedStatus>();
  private readonly listeners = new Set<StatusListener>();

  constructor(
    private readonly deps: {
      mqtt: MqttPort;
      gates: GateDirectory;
      log: Logger;
      now: () => string;
      /** Counts a report that did not parse. */
      onUnreadable: () => void;
    },
  ) {}

  async start(): Promise<void> {
    await this.deps.mqtt.subscribe(topics.allAvailability, (topic, payload) => this.receive(topic, payload));
    await this.deps.mqtt.subscribe(topics.allStates, (topic, payload) => this.receive(topic, payload));
  }

  get(gateId: string): GateReportedStatus {
    return this.statuses.get(gateId) ?? UNKNOWN;
  }

  isOnline(gateId: string): boolean {
    return this.get(gateId).availability === 'online';
  }

  onChange(listener: StatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forgets a gate that is no longer registered. */
  forget(gateId: string): void {
    this.statuses.delete(gateId);
  }

  async receive(topic: string, payload: Buffer): Promise<void> {
    const parsed = parseGateTopic(topic);
    if (!parsed) return;
    const { gateId, channel } = parsed;
    // An empty retained message clears the topic [MQTT-3.3.1-10]: nothing to keep.
    if (payload.length === 0) return;
    if (!(await this.deps.gates.get(gateId))) return;
    const current = this.get(gateId);
    let next: GateReportedStatus;
    if (channel === 'availability') {
      const availability = availabilitySchema.safeParse(payload.toString('utf8'));
      if (!availability.success) return this.unreadable(gateId, 'availability');
      next = { ...current, availability: availability.data, seenAt: this.deps.now() };
    } else if (channel === 'state') {
      const json = parseJsonPayload(payload, MAX_STATE_BYTES);
      const state = json.ok ? gateStateSchema.safeParse(json.value) : null;
      if (!state?.success) return this.unreadable(gateId, 'state');
      next = { ...current, state: state.data, seenAt: this.deps.now() };
    } else {
      return;
    }
    this.statuses.set(gateId, next);
    for (const listener of this.listeners) {
      try {
        listener(gateId, next);
      } catch (error) {
        this.deps.log.warn('a gate status listener failed', error);
      }
    }
  }

  private unreadable(gateId: string, what: string): void {
    this.deps.onUnreadable();
    this.deps.log.warn(`gate ${gateId} reported an unreadable ${what}; kept the last one`);
  }
}

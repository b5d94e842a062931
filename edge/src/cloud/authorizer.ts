/**
 * Entry authorization over MQTT request/response (docs/protocol.md). MQTT 3.1.1 has no correlation
 * data, so each request carries a requestId and the answer is matched on it. Fail closed: the gate
 * is told "allow" only for a response whose `decision` is the literal string "allow" and that
 * validates; a timeout (default 800 ms), an open circuit, a lost link, a parse error or any other
 * value is a deny.
 */

import type { Logger } from '@parkinglot/platform/log';
import type { Clock } from '@parkinglot/platform/time';
import {
  authResponseSchema,
  type Credential,
  MAX_AUTH_REQUEST_BYTES,
  newId,
  parseJsonPayload,
  readIdField,
  topics,
} from '@parkinglot/shared';
import type { EntryAuthorizer, EntryDecision } from '../gate/types.js';
import { type BreakerOptions, CircuitBreaker } from './breaker.js';
import type { EdgeMqttPort } from './port.js';

export interface AuthorizerOptions {
  gateId: string;
  mqtt: EdgeMqttPort;
  clock: Clock;
  log: Logger;
  timeoutMs: number;
  breaker: BreakerOptions;
}

/** Deny reasons the edge decides itself, without an answer from the cloud. */
export const LocalDenyReason = {
  timeout: 'cloud_timeout',
  circuitOpen: 'cloud_unreachable',
  disconnected: 'cloud_disconnected',
  badResponse: 'bad_response',
  /** The agent is stopping with the request unanswered: the cloud may have allowed it. */
  stopping: 'agent_stopping',
} as const;

interface Pending {
  resolve(decision: EntryDecision): void;
  timer: unknown;
  /** When the request was sent, on the gate's clock: the answer's delay is logged at debug. */
  sentAt: number;
}

export class CloudAuthorizer implements EntryAuthorizer {
  private readonly pending = new Map<string, Pending>();
  readonly breaker: CircuitBreaker;
  readonly stats = {
    requests: 0,
    allows: 0,
    denies: 0,
    timeouts: 0,
    shortCircuited: 0,
    badResponses: 0,
    stray: 0,
  };

  constructor(private readonly o: AuthorizerOptions) {
    this.breaker = new CircuitBreaker(o.breaker, o.clock);
  }

  /** Subscribes to this gate's responses; call once before the first request. */
  async start(): Promise<void> {
    await this.o.mqtt.subscribe(topics.authResponse(this.o.gateId), (_topic, payload) =>
      this.onResponse(payload),
    );
  }

  authorize(credential: Credential): Promise<EntryDecision> {
    const requestId = newId('req');
    this.stats.requests += 1;
    if (!this.o.mqtt.isConnected) return Promise.resolve(this.deny(requestId, LocalDenyReason.disconnected));
    if (!this.breaker.tryAcquire()) {
      this.stats.shortCircuited += 1;
      return Promise.resolve(this.deny(requestId, LocalDenyReason.circuitOpen));
    }
    return new Promise<EntryDecision>((resolve) => {
      const timer = this.o.clock.setTimeout(() => {
        if (!this.pending.delete(requestId)) return;
        this.stats.timeouts += 1;
        this.breaker.failed();
        this.o.log.warn(`no answer to ${requestId} within ${this.o.timeoutMs} ms: deny`);
        resolve(this.deny(requestId, LocalDenyReason.timeout, true));
      }, this.o.timeoutMs);
      this.pending.set(requestId, { resolve, timer, sentAt: this.o.clock.now() });
      const request = { requestId, credential, at: new Date(this.o.clock.now()).toISOString() };
      // A failed publish is not retried: the timeout above answers it with a deny.
      this.o.mqtt.publishNoWait(topics.authRequest(this.o.gateId), JSON.stringify(request), { qos: 1 });
    });
  }

  private onResponse(payload: Buffer): void {
    const parsed = parseJsonPayload(payload, MAX_AUTH_REQUEST_BYTES);
    const requestId = parsed.ok ? readIdField(parsed.value, 'requestId') : null;
    const pending = requestId === null ? undefined : this.pending.get(requestId);
    if (!pending || requestId === null) {
      // Late (already timed out and denied) or not ours: never acted on.
      this.stats.stray += 1;
      return;
    }
    this.pending.delete(requestId);
    this.o.clock.clearTimeout(pending.timer);
    this.breaker.succeeded();
    this.o.log.debug(() => `answer to ${requestId} after ${this.o.clock.now() - pending.sentAt} ms`);
    const response = authResponseSchema.safeParse(parsed.ok ? parsed.value : null);
    if (!response.success) {
      this.stats.badResponses += 1;
      pending.resolve(this.deny(requestId, LocalDenyReason.badResponse, true));
      return;
    }
    const r = response.data;
    if (r.decision === 'allow') {
      this.stats.allows += 1;
      pending.resolve({
        allow: true,
        requestId,
        reservationId: r.reservationId,
        ...(r.spaceLabel ? { spaceLabel: r.spaceLabel } : {}),
      });
      return;
    }
    pending.resolve(this.deny(requestId, r.reason));
  }

  private deny(requestId: string, reason: string, cloudMayHaveAllowed = false): EntryDecision {
    this.stats.denies += 1;
    return cloudMayHaveAllowed
      ? { allow: false, requestId, reason, cloudMayHaveAllowed }
      : { allow: false, requestId, reason };
  }

  /** Denies everything still waiting (shutdown). */
  stop(): void {
    for (const [requestId, p] of this.pending) {
      this.o.clock.clearTimeout(p.timer);
      p.resolve(this.deny(requestId, LocalDenyReason.stopping, true));
    }
    this.pending.clear();
  }
}

/**
 * Drains the outbox to the cloud over `parking/gates/{g}/events`, in order, one batch in flight, and
 * deletes events only on the cloud's `events/ack` (a broker PUBACK says only that the broker has the
 * message). An ack that does not come in `ackTimeoutMs` means the batch is sent again after
 * `retryMs`: the cloud applies each eventId once, so a resend is harmless.
 */

import type { Logger } from '@parkinglot/platform/log';
import { type Clock, SerialRunner } from '@parkinglot/platform/time';
import { eventsAckSchema, MAX_EVENT_BATCH, parseJsonPayload, topics } from '@parkinglot/shared';
import type { EdgeMqttPort } from '../cloud/port.js';
import type { Outbox } from './store.js';

export interface DelivererOptions {
  gateId: string;
  outbox: Outbox;
  mqtt: EdgeMqttPort;
  clock: Clock;
  log: Logger;
  batchSize?: number;
  ackTimeoutMs?: number;
  retryMs?: number;
}

export class OutboxDeliverer {
  private readonly runner: SerialRunner;
  private batchSize: number;
  private readonly ackTimeoutMs: number;
  private readonly retryMs: number;
  private waiting: { ids: Set<string>; done: () => void; cancel: () => void } | null = null;
  private retry: unknown = null;
  private stopped = true;
  readonly stats = { batches: 0, resends: 0, acksIgnored: 0 };

  constructor(private readonly o: DelivererOptions) {
    this.batchSize = Math.min(o.batchSize ?? 100, MAX_EVENT_BATCH);
    this.ackTimeoutMs = o.ackTimeoutMs ?? 5000;
    this.retryMs = o.retryMs ?? 1000;
    this.runner = new SerialRunner(() => this.drain(), o.log);
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.o.mqtt.subscribe(topics.eventsAck(this.o.gateId), (_topic, payload) => this.onAck(payload));
    this.o.outbox.onAppend(() => this.kick());
    this.kick();
  }

  /** Something to send, or the link came back. */
  kick(): void {
    if (!this.stopped) this.runner.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry !== null) this.o.clock.clearTimeout(this.retry);
    this.waiting?.cancel();
    await this.runner.idle();
  }

  /** Resolves when no drain is running: the outbox is empty or delivery has paused (link down, ack overdue). */
  idle(): Promise<void> {
    return this.runner.idle();
  }

  /** A failure (a broken outbox file) pauses delivery and tries again later, never for good. */
  private async drain(): Promise<number> {
    try {
      return await this.deliver();
    } catch (error) {
      this.o.log.error(`delivery failed; trying again in ${this.retryMs} ms`, error);
      this.scheduleRetry();
      return 0;
    }
  }

  private async deliver(): Promise<number> {
    let delivered = 0;
    while (!this.stopped && this.o.mqtt.isConnected) {
      const batch = await this.o.outbox.peek(this.batchSize);
      if (batch.length === 0) break;
      const before = this.o.outbox.depth;
      const acked = this.awaitAck(batch.map((e) => e.eventId));
      // sentAt lets the cloud see how far this gate's clock is off, and date the events on its own.
      const sentAt = new Date(this.o.clock.now()).toISOString();
      const payload = JSON.stringify({ events: batch, sentAt });
      if (!this.o.mqtt.publishNoWait(topics.events(this.o.gateId), payload, { qos: 1 })) {
        this.waiting?.cancel();
        break;
      }
      this.stats.batches += 1;
      if (!(await acked)) {
        this.stats.resends += 1;
        this.o.log.warn(`no events/ack within ${this.ackTimeoutMs} ms; resending in ${this.retryMs} ms`);
        this.scheduleRetry();
        break;
      }
      delivered += Math.max(0, before - this.o.outbox.depth);
    }
    return delivered;
  }

  /** Resolves true on an ack naming one of `ids`, false on the timeout; only one batch waits at a time. */
  private awaitAck(ids: string[]): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (acked: boolean) => {
        this.o.clock.clearTimeout(timer);
        // A waiter clears only itself, never the batch after it.
        if (this.waiting === waiter) this.waiting = null;
        resolve(acked);
      };
      const timer = this.o.clock.setTimeout(() => finish(false), this.ackTimeoutMs);
      const waiter = { ids: new Set(ids), done: () => finish(true), cancel: () => finish(false) };
      this.waiting = waiter;
    });
  }

  private scheduleRetry(): void {
    if (this.retry !== null || this.stopped) return;
    this.retry = this.o.clock.setTimeout(() => {
      this.retry = null;
      this.kick();
    }, this.retryMs);
  }

  private async onAck(payload: Buffer): Promise<void> {
    const parsed = parseJsonPayload(payload, 1024 * 1024);
    const ack = parsed.ok ? eventsAckSchema.safeParse(parsed.value) : null;
    if (!ack?.success) {
      this.stats.acksIgnored += 1;
      this.o.log.warn('ignored a malformed events/ack');
      return;
    }
    const { eventIds, rejected = [] } = ack.data;
    // The cloud refused the message for its size, not the events: send them again in smaller batches.
    const tooLarge = rejected.filter((r) => r.error.startsWith('batch_too_large'));
    const refused = rejected.filter((r) => !r.error.startsWith('batch_too_large'));
    if (tooLarge.length > 0) this.batchSize = Math.max(1, Math.floor(this.batchSize / 2));
    await this.o.outbox.ack(eventIds);
    await this.o.outbox.deadLetter(refused);
    for (const r of refused) this.o.log.error(`event ${r.eventId} rejected by the cloud: ${r.error}`);
    const waiting = this.waiting;
    if (waiting && [...eventIds, ...rejected.map((r) => r.eventId)].some((id) => waiting.ids.has(id)))
      waiting.done();
  }
}

/**
 * Applies `parking/gates/{g}/events` and acks on `…/events/ack` only after the commit. One gate's
 * events are applied strictly in arrival order (a per-gate queue); different gates proceed
 * independently.
 */
import { sharedFilter } from '@parkinglot/platform/mqtt';
import { type EventsAck, parseGateTopic, topics } from '@parkinglot/shared';
import { ingestGateEvents } from '../domain/ingestion.js';
import type { GatewayDeps } from './port.js';

/** A gate whose clock is off is named in the log at most this often. */
export const SKEW_WARNING_EVERY_MS = 10 * 60_000;

export class EventIngestor {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly skewWarned = new Map<string, number>();

  constructor(private readonly deps: GatewayDeps) {}

  async start(): Promise<void> {
    await this.deps.mqtt.subscribe(
      sharedFilter(this.deps.shareGroup, topics.allEvents),
      (topic, payload) => this.enqueue(topic, payload),
      1,
    );
  }

  /** Resolves when this message has been handled; per gate, in order. */
  enqueue(topic: string, payload: Buffer): Promise<void> {
    const parsed = parseGateTopic(topic);
    if (!parsed) {
      this.deps.metrics.eventProblems.inc({ problem: 'bad_topic' });
      return Promise.resolve();
    }
    const { gateId } = parsed;
    const previous = this.queues.get(gateId) ?? Promise.resolve();
    const receivedAt = this.deps.ctx.clock.now();
    const next = previous.then(() => this.handle(gateId, payload, receivedAt));
    this.queues.set(gateId, next);
    void next.finally(() => {
      if (this.queues.get(gateId) === next) this.queues.delete(gateId);
    });
    return next;
  }

  private clockSkewed(gateId: string, skewMs: number): void {
    this.deps.metrics.eventProblems.inc({ problem: 'clock_skew' });
    const now = this.deps.ctx.clock.now();
    const last = this.skewWarned.get(gateId);
    if (last !== undefined && now - last < SKEW_WARNING_EVERY_MS) return;
    if (this.skewWarned.size > 10_000) this.skewWarned.clear();
    this.skewWarned.set(gateId, now);
    const by = `${Math.round(Math.abs(skewMs) / 1000)} s ${skewMs > 0 ? 'ahead of' : 'behind'}`;
    this.deps.ctx.log.warn(
      `gate ${gateId}'s clock is ${by} the cloud's: its events are dated on the cloud's clock`,
    );
  }

  private async handle(gateId: string, payload: Buffer, receivedAt: number): Promise<void> {
    try {
      const gate = await this.deps.gates.get(gateId);
      const result = await ingestGateEvents(this.deps.ctx, gate, payload, receivedAt);
      const { metrics } = this.deps;
      for (const [type, n] of Object.entries(result.byType)) metrics.eventsIngested.inc({ type }, n);
      metrics.eventProblems.inc({ problem: 'rejected' }, result.rejected.length);
      metrics.eventProblems.inc({ problem: 'unreadable' }, result.unreadable);
      metrics.eventProblems.inc({ problem: 'anomaly' }, result.anomalies);
      if (result.clockSkewMs !== undefined) this.clockSkewed(gateId, result.clockSkewMs);
      if (result.unreadable > 0)
        this.deps.ctx.log.warn(`gate ${gateId} sent ${result.unreadable} unreadable event(s)`);
      for (const r of result.rejected)
        this.deps.ctx.log.warn(`gate ${gateId} event ${r.eventId} rejected: ${r.error}`);
      if (result.acked.length === 0 && result.rejected.length === 0) return;
      const ack: EventsAck = { eventIds: result.acked };
      if (result.rejected.length > 0) ack.rejected = result.rejected;
      await this.deps.mqtt.publish(topics.eventsAck(gateId), JSON.stringify(ack), { qos: 1 });
    } catch (error) {
      // Not acked: the edge keeps the events and sends them again; they are applied once.
      this.deps.metrics.eventProblems.inc({ problem: 'failed' });
      this.deps.ctx.log.error(`events from gate ${gateId} not applied; the gate will resend`, error);
    }
  }
}

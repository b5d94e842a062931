/**
 * Sends the event log to `parking/events/{type}` in sequence order, at least once: the checkpoint
 * moves only after the broker acknowledged (PUBACK) every message of a batch, and a restart resumes
 * from it. Subscribers drop repeats by `seq`.
 */

import type { Logger } from '@parkinglot/platform/log';
import type { Clock } from '@parkinglot/platform/time';
import { SerialRunner } from '@parkinglot/platform/time';
import { topics } from '@parkinglot/shared';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { EventBus } from '../domain/bus.js';
import { getCheckpoint, readEventsAfter, setCheckpoint } from '../domain/event-log.js';

export const PUBLISHER_CHECKPOINT = 'publisher:mqtt';

export interface EventSink {
  readonly isConnected: boolean;
  publish(topic: string, payload: string, options: { qos: 0 | 1; retain?: boolean }): Promise<void>;
}

export interface PublisherDeps {
  db: Kysely<Database>;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  sink: EventSink;
  batchSize?: number;
}

export class EventPublisher {
  private readonly runner: SerialRunner;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly deps: PublisherDeps) {
    this.runner = new SerialRunner(() => this.drain(), deps.log);
  }

  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.deps.bus.on('eventsAppended', () => this.runner.kick());
    this.runner.kick();
  }

  /** Call when the MQTT link comes back: what piled up meanwhile goes out. */
  resume(): void {
    if (this.unsubscribe) this.runner.kick();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.runner.idle();
  }

  async flush(): Promise<number> {
    return this.runner.run();
  }

  private async drain(): Promise<number> {
    const { db, sink, clock, log } = this.deps;
    const batchSize = this.deps.batchSize ?? 200;
    let total = 0;
    // Read once per run: only this publisher moves its checkpoint.
    let from = await getCheckpoint(db, PUBLISHER_CHECKPOINT);
    while (sink.isConnected) {
      const events = await readEventsAfter(db, from, batchSize);
      if (events.length === 0) break;
      try {
        // mqtt.js writes in call order, so concurrent publishes keep sequence order on the wire.
        await Promise.all(
          events.map((e) => sink.publish(topics.domainEvent(e.type), JSON.stringify(e), { qos: 1 })),
        );
      } catch (error) {
        log.warn(`publishing domain events after seq ${from} stopped; will resume on reconnect`, error);
        break;
      }
      from = events.at(-1)!.seq;
      await setCheckpoint(db, PUBLISHER_CHECKPOINT, from, clock.now());
      total += events.length;
      // A short batch was the end of the log; whatever is committed later kicks another run.
      if (events.length < batchSize) break;
    }
    return total;
  }
}

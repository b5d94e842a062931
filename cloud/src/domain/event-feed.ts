/**
 * The event log as this process hears it: every committed domain event once, in sequence order, on
 * the bus (`eventsAppended`). The in-memory views and the leader's features listen there.
 *
 * This process's own commits are passed on at once, before the operation that committed them
 * returns, when they follow what was heard last. On a database other processes write to
 * (PostgreSQL), their commits leave gaps: the feed then reads the log from where it is, so the bus
 * never skips or repeats an event. It is woken by NOTIFY, by a poll as a safety net, and by
 * `sync()`, which a decision calls to see everything committed before it started.
 */
import type { Logger } from '@parkinglot/platform/log';
import { type Clock, SerialRunner } from '@parkinglot/platform/time';
import type { DomainEvent } from '@parkinglot/shared';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { EventBus } from './bus.js';
import { lastSeq, readEventsAfter } from './event-log.js';

/** Events read per query while catching up. */
const READ_BATCH = 1_000;

export interface EventFeedOptions {
  db: Kysely<Database>;
  bus: EventBus;
  log: Logger;
  clock: Clock;
  /** Other processes write to the database: `sync()` then reads the log's head. */
  shared?: boolean;
  /** Reads the log this often even if nothing woke it (0: never; sqlite has no other writer). */
  pollMs?: number;
}

export class EventFeed {
  private position = 0;
  private readonly reader: SerialRunner;
  private readonly head: SerialRunner;
  /** Callers waiting for the bus to reach a sequence number, resolved as it does. */
  private waiters: { seq: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  private handle: unknown = null;

  constructor(private readonly deps: EventFeedOptions) {
    this.reader = new SerialRunner(() => this.readNew(), deps.log);
    this.head = new SerialRunner(() => this.readHead(), deps.log);
  }

  /** Where the log stands now: events up to it are taken as heard (views load from the tables). */
  async start(): Promise<void> {
    this.position = Math.max(this.position, await lastSeq(this.deps.db));
    const { pollMs = 0 } = this.deps;
    if (pollMs > 0 && !this.handle) this.handle = this.deps.clock.setInterval(() => this.wake(), pollMs);
  }

  async stop(): Promise<void> {
    if (this.handle) this.deps.clock.clearInterval(this.handle);
    this.handle = null;
    await this.reader.idle();
    await this.head.idle();
  }

  /** True when other processes write to the database too. */
  get shared(): boolean {
    return this.deps.shared === true;
  }

  /** The last sequence number on the bus. */
  get seq(): number {
    return this.position;
  }

  /** This process committed `events`: on the bus now if they come next, else after reading the gap. */
  async delivered(events: DomainEvent[]): Promise<void> {
    const first = events[0];
    const last = events.at(-1);
    if (!first || !last || last.seq <= this.position) return;
    if (first.seq === this.position + 1) {
      this.emit(events);
      return;
    }
    await this.reach(last.seq);
  }

  /** Something may have been committed elsewhere: read it, in the background. */
  wake(): void {
    this.reader.kick();
  }

  /** Resolves once every event committed before the call is on the bus. */
  async sync(): Promise<void> {
    if (!this.deps.shared) return;
    // One read of the head serves every caller that arrived before it started: a caller arriving
    // while one is in flight waits for the next (SerialRunner runs one more pass after a call
    // during a pass), so it still sees everything committed before it called.
    await this.head.run();
  }

  private async readHead(): Promise<number> {
    const head = await lastSeq(this.deps.db);
    if (head > this.position) await this.reach(head);
    return 0;
  }

  /**
   * Resolves once the bus has reached `seq`: not when the reader is idle, which under steady
   * commits from other instances it may not be for a long time.
   */
  private reach(seq: number): Promise<void> {
    if (seq <= this.position) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ seq, resolve, reject });
      this.reader.run().catch((error: Error) => {
        // A failed read fails whoever waited on it; the next wake-up reads again.
        const failed = this.waiters;
        this.waiters = [];
        for (const w of failed) w.reject(error);
      });
    });
  }

  private emit(events: DomainEvent[]): void {
    // The fast path may have moved on while a read was in flight: pass on only what is new.
    const fresh = events.filter((event) => event.seq > this.position);
    const last = fresh.at(-1);
    if (!last) return;
    this.position = last.seq;
    this.deps.bus.emit('eventsAppended', { lastSeq: last.seq, events: fresh });
    if (this.waiters.length === 0) return;
    const reached = this.waiters.filter((w) => w.seq <= last.seq);
    this.waiters = this.waiters.filter((w) => w.seq > last.seq);
    for (const w of reached) w.resolve();
  }

  private async readNew(): Promise<number> {
    let total = 0;
    for (;;) {
      const events = await readEventsAfter(this.deps.db, this.position, READ_BATCH);
      if (events.length === 0) break;
      this.emit(events);
      total += events.length;
      if (events.length < READ_BATCH) break;
    }
    return total;
  }
}

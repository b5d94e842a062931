/**
 * The durable outbox of gate events: a sqlite file with synchronous=FULL, so `append` resolves only
 * once the event would survive a power cut or SIGKILL. Events leave it only when the cloud acks them
 * (`events/ack`), or when the cloud rejects them for good, which moves them to `dead_letters`.
 *
 * Bounded: past `maxEvents` the oldest events that are not Started, Ended or EntryAborted (Denied,
 * NoCredential, Tailgating, manual-command records) are evicted to make room, and counted. Started,
 * Ended and EntryAborted are never dropped: if only they remain, the outbox grows past its bound and
 * raises the `outbox_full` alarm for the operator instead.
 *
 * A write the disk refuses (full, read-only, broken) loses nothing while the agent runs: the event is
 * held in memory, after everything on disk, and sent from there like the rest; the outbox writes
 * what it holds to disk, in order, as soon as the disk takes it again (every `RETRY_WRITE_MS`), and
 * the gate raises `outbox_write_failed` meanwhile. Only a stop or a crash while the disk is still
 * refusing loses what is held (counted and logged).
 */

import { Sqlite3Dialect } from '@parkinglot/platform/sqlite';
import type { Clock } from '@parkinglot/platform/time';
import { type GateEvent, newId } from '@parkinglot/shared';
import { type Generated, Kysely, sql } from 'kysely';
import type { EventRecorder, GateEventInput } from '../gate/types.js';

/** Events the cloud's bookkeeping depends on: never evicted. */
export const CRITICAL_TYPES: ReadonlySet<string> = new Set(['Started', 'Ended', 'EntryAborted']);

interface OutboxTable {
  seq: Generated<number>;
  event_id: string;
  type: string;
  critical: number;
  payload: string;
  created_at: string;
}

interface DeadLetterTable {
  event_id: string;
  payload: string;
  error: string;
  rejected_at: string;
}

interface OutboxDb {
  outbox: OutboxTable;
  dead_letters: DeadLetterTable;
}

/** How often events held in memory are tried on disk again. */
export const RETRY_WRITE_MS = 1_000;
/** Held in memory past this, the oldest events that may be dropped are (as on disk past maxEvents). */
export const MAX_HELD = 10_000;

export interface OutboxOptions {
  /** The sqlite file. */
  filename: string;
  clock: Clock;
  /** The bound; default 100,000 events. */
  maxEvents?: number;
  /** Told of an append the disk refused (the event is held in memory). */
  onWriteFailed?: (error: unknown) => void;
}

export interface OutboxStats {
  appended: number;
  acked: number;
  evicted: number;
  deadLettered: number;
  /** Appends the disk refused, held in memory instead. */
  writeFailures: number;
  /** Events still held in memory when the outbox closed: lost. */
  lostAtClose: number;
  /** Rejected events held in memory that the disk would not take as dead letters either. */
  deadLettersNotKept: number;
}

export class Outbox implements EventRecorder {
  private readonly db: Kysely<OutboxDb>;
  private readonly maxEvents: number;
  private size = 0;
  /** Events the disk refused, newer than everything on disk, in order. */
  private held: GateEvent[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private retry: unknown = null;
  private closed = false;
  private readonly appendListeners = new Set<() => void>();
  private readonly depthListeners = new Set<(depth: number) => void>();
  readonly stats: OutboxStats = {
    appended: 0,
    acked: 0,
    evicted: 0,
    deadLettered: 0,
    writeFailures: 0,
    lostAtClose: 0,
    deadLettersNotKept: 0,
  };

  private constructor(private readonly options: OutboxOptions) {
    this.maxEvents = options.maxEvents ?? 100_000;
    this.db = new Kysely<OutboxDb>({
      dialect: new Sqlite3Dialect({ filename: options.filename, synchronous: 'FULL' }),
    });
  }

  static async open(options: OutboxOptions): Promise<Outbox> {
    const outbox = new Outbox(options);
    await outbox.migrate();
    outbox.size = await outbox.count();
    return outbox;
  }

  private async migrate(): Promise<void> {
    await this.db.schema
      .createTable('outbox')
      .ifNotExists()
      .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('event_id', 'text', (c) => c.notNull().unique())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('critical', 'integer', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await this.db.schema
      .createIndex('outbox_evictable')
      .ifNotExists()
      .on('outbox')
      .columns(['critical', 'seq'])
      .execute();
    await this.db.schema
      .createTable('dead_letters')
      .ifNotExists()
      .addColumn('event_id', 'text', (c) => c.primaryKey())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('error', 'text', (c) => c.notNull())
      .addColumn('rejected_at', 'text', (c) => c.notNull())
      .execute();
  }

  private async count(): Promise<number> {
    const row = await this.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Events waiting for the cloud's ack, on disk and held in memory. */
  get depth(): number {
    return this.size + this.held.length;
  }

  /** Over its bound with only events it may not drop. */
  get full(): boolean {
    return this.size > this.maxEvents;
  }

  /** Events the disk refused, held in memory until it takes them: the gate's `outbox_write_failed`. */
  get unwritten(): number {
    return this.held.length;
  }

  /** Called after every append commits (the deliverer wakes up). */
  onAppend(listener: () => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** Called whenever the depth changes (appends, acks, dead letters): the gate's state reports it. */
  onDepthChange(listener: (depth: number) => void): () => void {
    this.depthListeners.add(listener);
    return () => this.depthListeners.delete(listener);
  }

  private depthChanged(): void {
    for (const listener of this.depthListeners) listener(this.depth);
  }

  /** Commits the event to disk; resolves only then. Returns the event as it will be sent. */
  async record(input: GateEventInput): Promise<void> {
    await this.append(input);
  }

  /**
   * Commits the event to disk, or, when the disk refuses it, holds it in memory (see above); either
   * way it is on its way to the cloud when this resolves.
   */
  async append(input: GateEventInput): Promise<GateEvent> {
    const event: GateEvent = {
      eventId: newId('evt'),
      ...input,
      at: new Date(this.options.clock.now()).toISOString(),
    };
    await this.serial(async () => {
      // Behind held events, so that the disk keeps the order they happened in.
      if (this.held.length > 0) return this.hold(event);
      try {
        await this.write(event);
      } catch (error) {
        this.stats.writeFailures += 1;
        this.options.onWriteFailed?.(error);
        this.hold(event);
      }
    });
    this.stats.appended += 1;
    for (const listener of this.appendListeners) listener();
    return event;
  }

  /**
   * Every change of the outbox (an append, the held events written, an ack, a dead letter, the
   * close) runs one after another: the order on disk is the order of the appends, and what is held
   * changes only between them.
   */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task, task);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private hold(event: GateEvent): void {
    if (this.held.length >= MAX_HELD) {
      const droppable = this.held.findIndex((e) => !CRITICAL_TYPES.has(e.type));
      if (droppable >= 0) {
        this.held.splice(droppable, 1);
        this.stats.evicted += 1;
      }
    }
    this.held.push(event);
    this.depthChanged();
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retry !== null || this.closed) return;
    this.retry = this.options.clock.setTimeout(() => {
      this.retry = null;
      void this.serial(() => this.writeHeld());
    }, RETRY_WRITE_MS);
  }

  /** Writes the held events to disk in order; stops at the first the disk still refuses. */
  private async writeHeld(): Promise<void> {
    while (this.held.length > 0 && !this.closed) {
      try {
        await this.write(this.held[0]!);
      } catch {
        this.scheduleRetry();
        return;
      }
      this.held.shift();
      this.depthChanged();
    }
  }

  private async write(event: GateEvent): Promise<void> {
    const critical = CRITICAL_TYPES.has(event.type);
    let evicted = 0;
    await this.db.transaction().execute(async (trx) => {
      if (this.size >= this.maxEvents) {
        // Make room by dropping the oldest event that may be dropped; if none may, grow (and alarm).
        const result = await trx
          .deleteFrom('outbox')
          .where('seq', '=', (eb) =>
            eb
              .selectFrom('outbox')
              .select((e) => e.fn.min('seq').as('seq'))
              .where('critical', '=', 0),
          )
          .executeTakeFirst();
        evicted = Number(result.numDeletedRows);
      }
      await trx
        .insertInto('outbox')
        .values({
          event_id: event.eventId,
          type: event.type,
          critical: critical ? 1 : 0,
          payload: JSON.stringify(event),
          created_at: event.at,
        })
        .execute();
    });
    // Counted once committed: a write the disk refused changed nothing.
    this.size += 1 - evicted;
    this.stats.evicted += evicted;
    this.depthChanged();
  }

  /** The oldest events, in the order they were recorded: those on disk, then those held in memory. */
  async peek(limit: number): Promise<GateEvent[]> {
    const rows = await this.db.selectFrom('outbox').select('payload').orderBy('seq').limit(limit).execute();
    const onDisk = rows.map((r) => JSON.parse(r.payload) as GateEvent);
    const written = new Set(onDisk.map((e) => e.eventId));
    // One being written right now is on disk and still held: it is sent once.
    return [...onDisk, ...this.held.filter((e) => !written.has(e.eventId))].slice(0, limit);
  }

  /** The cloud applied these: delete them. Unknown ids (acked twice) are ignored. */
  ack(eventIds: readonly string[]): Promise<number> {
    if (eventIds.length === 0) return Promise.resolve(0);
    return this.serial(async () => {
      const ids = new Set(eventIds);
      const before = this.held.length;
      this.held = this.held.filter((e) => !ids.has(e.eventId));
      const fromMemory = before - this.held.length;
      const result = await this.db.deleteFrom('outbox').where('event_id', 'in', eventIds).executeTakeFirst();
      const fromDisk = Number(result.numDeletedRows);
      this.size -= fromDisk;
      const n = fromMemory + fromDisk;
      this.stats.acked += n;
      if (n > 0) this.depthChanged();
      return n;
    });
  }

  /**
   * The cloud will never apply these: keep them aside for the operator, out of the delivery order.
   * One held in memory goes to dead_letters too; if the disk still refuses that, it is dropped and
   * counted (`deadLettersNotKept`): it could never be applied, and must not be sent again.
   */
  deadLetter(rejected: readonly { eventId: string; error: string }[]): Promise<number> {
    if (rejected.length === 0) return Promise.resolve(0);
    return this.serial(async () => {
      const at = new Date(this.options.clock.now()).toISOString();
      const errors = new Map(rejected.map((r) => [r.eventId, r.error]));
      const fromMemory = this.held.filter((e) => errors.has(e.eventId));
      this.held = this.held.filter((e) => !errors.has(e.eventId));
      let moved = 0;
      await this.db.transaction().execute(async (trx) => {
        for (const r of rejected) {
          const row = await trx
            .selectFrom('outbox')
            .select('payload')
            .where('event_id', '=', r.eventId)
            .executeTakeFirst();
          if (!row) continue;
          await trx
            .insertInto('dead_letters')
            .values({ event_id: r.eventId, payload: row.payload, error: r.error, rejected_at: at })
            .onConflict((oc) => oc.column('event_id').doNothing())
            .execute();
          await trx.deleteFrom('outbox').where('event_id', '=', r.eventId).execute();
          moved += 1;
        }
      });
      this.size -= moved;
      for (const event of fromMemory) {
        await this.db
          .insertInto('dead_letters')
          .values({
            event_id: event.eventId,
            payload: JSON.stringify(event),
            error: errors.get(event.eventId)!,
            rejected_at: at,
          })
          .onConflict((oc) => oc.column('event_id').doNothing())
          .execute()
          .catch(() => {
            this.stats.deadLettersNotKept += 1;
          });
      }
      moved += fromMemory.length;
      this.stats.deadLettered += moved;
      if (moved > 0) this.depthChanged();
      return moved;
    });
  }

  async deadLetters(): Promise<{ eventId: string; error: string; event: GateEvent }[]> {
    const rows = await this.db.selectFrom('dead_letters').selectAll().orderBy('rejected_at').execute();
    return rows.map((r) => ({
      eventId: r.event_id,
      error: r.error,
      event: JSON.parse(r.payload) as GateEvent,
    }));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry !== null) this.options.clock.clearTimeout(this.retry);
    this.retry = null;
    await this.serial(async () => {
      // One last try, in order: the disk may have room by now.
      for (const event of this.held.splice(0)) {
        try {
          await this.write(event);
        } catch {
          this.stats.lostAtClose += 1;
        }
      }
    });
    await this.db.destroy();
  }

  /**
   * For tests: caps the file at the pages it has (sqlite then refuses a write with SQLITE_FULL, as
   * on a full disk), or lifts the cap (null).
   */
  async capFile(capped: boolean): Promise<void> {
    const { rows } = await sql<{ page_count: number }>`PRAGMA page_count`.execute(this.db);
    const pages = capped ? Number(rows[0]?.page_count) : 1_073_741_823;
    await sql.raw(`PRAGMA max_page_count = ${pages}`).execute(this.db);
  }

  /** For tests: the sqlite synchronous setting in force (2 = FULL). */
  async synchronousMode(): Promise<number> {
    const { rows } = await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(this.db);
    return Number(rows[0]?.synchronous);
  }
}

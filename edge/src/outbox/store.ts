/**
 * The durable outbox of gate events: a sqlite file with synchronous=FULL, so `append` resolves only
 * once the event would survive a power cut or SIGKILL. Events leave it only when the cloud acks them
 * (`events/ack`), or when the cloud rejects them for good, which moves them to `dead_letters`.
 *
 * Bounded: past `maxEvents` the oldest events that are not Started, Ended or EntryAborted (Denied,
 * NoCredential, Tailgating, manual-command records) are evicted to make room, and counted. Started,
 * Ended and EntryAborted are never dropped: if only they remain, the outbox grows past its bound and
 * raises the `outbox_full` alarm for the operator instead.
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

export interface OutboxOptions {
  /** The sqlite file. */
  filename: string;
  clock: Clock;
  /** The bound; default 100,000 events. */
  maxEvents?: number;
}

export interface OutboxStats {
  appended: number;
  acked: number;
  evicted: number;
  deadLettered: number;
}

export class Outbox implements EventRecorder {
  private readonly db: Kysely<OutboxDb>;
  private readonly maxEvents: number;
  private size = 0;
  private readonly appendListeners = new Set<() => void>();
  private readonly depthListeners = new Set<(depth: number) => void>();
  readonly stats: OutboxStats = { appended: 0, acked: 0, evicted: 0, deadLettered: 0 };

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

  /** Events waiting for the cloud's ack. */
  get depth(): number {
    return this.size;
  }

  /** Over its bound with only events it may not drop. */
  get full(): boolean {
    return this.size > this.maxEvents;
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
    for (const listener of this.depthListeners) listener(this.size);
  }

  /** Commits the event to disk; resolves only then. Returns the event as it will be sent. */
  async record(input: GateEventInput): Promise<void> {
    await this.append(input);
  }

  async append(input: GateEventInput): Promise<GateEvent> {
    const event: GateEvent = {
      eventId: newId('evt'),
      ...input,
      at: new Date(this.options.clock.now()).toISOString(),
    };
    const critical = CRITICAL_TYPES.has(event.type);
    await this.db.transaction().execute(async (trx) => {
      if (this.size >= this.maxEvents) {
        // Make room by dropping the oldest event that may be dropped; if none may, grow (and alarm).
        const evicted = await trx
          .deleteFrom('outbox')
          .where('seq', '=', (eb) =>
            eb
              .selectFrom('outbox')
              .select((e) => e.fn.min('seq').as('seq'))
              .where('critical', '=', 0),
          )
          .executeTakeFirst();
        const n = Number(evicted.numDeletedRows);
        this.size -= n;
        this.stats.evicted += n;
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
    this.size += 1;
    this.stats.appended += 1;
    this.depthChanged();
    for (const listener of this.appendListeners) listener();
    return event;
  }

  /** The oldest events, in the order they were recorded. */
  async peek(limit: number): Promise<GateEvent[]> {
    const rows = await this.db.selectFrom('outbox').select('payload').orderBy('seq').limit(limit).execute();
    return rows.map((r) => JSON.parse(r.payload) as GateEvent);
  }

  /** The cloud applied these: delete them. Unknown ids (acked twice) are ignored. */
  async ack(eventIds: readonly string[]): Promise<number> {
    if (eventIds.length === 0) return 0;
    const result = await this.db.deleteFrom('outbox').where('event_id', 'in', eventIds).executeTakeFirst();
    const n = Number(result.numDeletedRows);
    this.size -= n;
    this.stats.acked += n;
    if (n > 0) this.depthChanged();
    return n;
  }

  /** The cloud will never apply these: keep them aside for the operator, out of the delivery order. */
  async deadLetter(rejected: readonly { eventId: string; error: string }[]): Promise<number> {
    if (rejected.length === 0) return 0;
    const at = new Date(this.options.clock.now()).toISOString();
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
    this.stats.deadLettered += moved;
    if (moved > 0) this.depthChanged();
    return moved;
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
    await this.db.destroy();
  }

  /** For tests: the sqlite synchronous setting in force (2 = FULL). */
  async synchronousMode(): Promise<number> {
    const { rows } = await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(this.db);
    return Number(rows[0]?.synchronous);
  }
}

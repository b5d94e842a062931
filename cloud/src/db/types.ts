import type { Kysely } from 'kysely';
import type { SqlDialectName } from './migrations/index.js';
import type { Database } from './schema.js';

/**
 * The same database for work of another kind than the default's (HTTP requests and event batches,
 * whose commits a member or a gate is told of). On sqlite they share the one connection
 * (platform/src/sqlite/mutex.ts) in turns and commit at synchronous=NORMAL; on PostgreSQL the
 * urgent lane has a pool of its own, so an entry decision never queues behind a busy pool.
 */
export interface DbLanes {
  /**
   * Entry decisions, which a gate waits for: served first. A lost allow only frees its reservation
   * for another entry; the car's Started, kept in the gate's outbox, still applies by reservation.
   */
  urgent: Kysely<Database>;
  /** The projector and the publisher, in turn with the default: both redo from their checkpoints. */
  derived: Kysely<Database>;
  /** Hold expiry sweeps, behind everything else: a lost sweep runs again. */
  background: Kysely<Database>;
  /**
   * True while urgent work waits for the database: a long run of writes (a delivered batch, a
   * projector pass) commits what it has and lets it in before going on.
   */
  urgentWaiting(): boolean;
}

export type LaneName = 'urgent' | 'derived' | 'background';

/** What a dialect's folder opens: the database, before migrations. */
export interface DialectDatabase {
  db: Kysely<Database>;
  lanes: DbLanes;
  dialect: SqlDialectName;
  /**
   * True when other processes may write to the same database (PostgreSQL): in-memory views then
   * follow the event log, not only this process's own commits, and once-only work needs a lease.
   */
  shared: boolean;
  /** A short description for logs, with no password in it. */
  where: string;
  close(): Promise<void>;
}

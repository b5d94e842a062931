/**
 * Opens the configured database and brings its schema up to date. sqlite (one file, WAL) serves one
 * site; PostgreSQL is the scale-out target and every query here is written to run on both.
 *
 * sqlite runs with synchronous=FULL: an ack tells a gate it may delete an event, so a commit must
 * survive a power cut, which NORMAL does not promise in WAL mode. The lanes below commit work that
 * need not survive one at NORMAL, so that a gate's answer never waits for an fsync of its own.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '@parkinglot/platform/log';
import { Sqlite3Dialect } from '@parkinglot/platform/sqlite';
import { Kysely } from 'kysely';
import { ConfigError } from '../config/load.js';
import { migrateToLatest, type SqlDialectName } from './migrations/index.js';
import type { Database } from './schema.js';

/**
 * The same database for work of another kind than the default's (HTTP requests and event batches,
 * whose commits a member or a gate is told of, so they wait for the disk: synchronous=FULL). On
 * sqlite they all share the one connection (platform/src/sqlite/mutex.ts), and these commit at
 * synchronous=NORMAL: a power cut (not a crash) may undo their last commits, and undoing them is
 * harmless.
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

export interface OpenDatabase {
  db: Kysely<Database>;
  lanes: DbLanes;
  dialect: SqlDialectName;
  /** A short description for logs, with no password in it. */
  where: string;
  close(): Promise<void>;
}

/** `sqlite:<path>`, `file:<path>`, a bare path, or `postgres://…`. */
export async function openDatabase(url: string, log: Logger): Promise<OpenDatabase> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    throw new ConfigError([
      'PARKING_DATABASE_URL (databaseUrl): PostgreSQL is not supported yet; use a sqlite file (sqlite:<path>)',
    ]);
  }
  const filename = url.replace(/^(sqlite|file):(\/\/)?/, '');
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  // Checkpoints are the cloud's own work, in the background lane (checkpointer.ts), not a commit's.
  const dialect = new Sqlite3Dialect({ filename, synchronous: 'FULL', autoCheckpoint: false });
  const db = new Kysely<Database>({ dialect });
  const lanes: DbLanes = {
    urgent: new Kysely<Database>({ dialect: dialect.inLane('urgent', { synchronous: 'NORMAL' }) }),
    derived: new Kysely<Database>({ dialect: dialect.inLane('normal', { synchronous: 'NORMAL' }) }),
    background: new Kysely<Database>({ dialect: dialect.inLane('background', { synchronous: 'NORMAL' }) }),
    urgentWaiting: () => dialect.waiting.urgent > 0,
  };
  // The connection closes when the last of them is destroyed.
  const close = async () => {
    await Promise.all([lanes.urgent, lanes.derived, lanes.background, db].map((k) => k.destroy()));
  };
  try {
    const applied = await migrateToLatest(db as Kysely<unknown>, 'sqlite');
    if (applied.length > 0) log.info(`applied migrations: ${applied.join(', ')}`);
  } catch (error) {
    await close();
    throw error;
  }
  return { db, lanes, dialect: 'sqlite', where: `sqlite ${filename}`, close };
}

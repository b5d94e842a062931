/**
 * Opens the configured database and brings its schema up to date. sqlite (one file, WAL) serves one
 * site; PostgreSQL is the scale-out target and every query here is written to run on both.
 *
 * sqlite runs with synchronous=FULL: an ack tells a gate it may delete an event, so a commit must
 * survive a power cut, which NORMAL does not promise in WAL mode.
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
 * The same database, its work served ahead of (`urgent`: entry decisions, which a gate waits for) or
 * behind (`background`: hold expiry sweeps) the default lane's (HTTP requests, event batches, the
 * projector and the publisher, which must keep up with them). On sqlite they share the one
 * connection (platform/src/sqlite/mutex.ts).
 */
export interface DbLanes {
  urgent: Kysely<Database>;
  background: Kysely<Database>;
  /**
   * True while urgent work waits for the database: a long run of writes (a delivered batch, a
   * projector pass) commits what it has and lets it in before going on.
   */
  urgentWaiting(): boolean;
}

export type LaneName = 'urgent' | 'background';

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
  const dialect = new Sqlite3Dialect({ filename, synchronous: 'FULL' });
  const db = new Kysely<Database>({ dialect });
  const lanes: DbLanes = {
    urgent: new Kysely<Database>({ dialect: dialect.inLane('urgent') }),
    background: new Kysely<Database>({ dialect: dialect.inLane('background') }),
    urgentWaiting: () => dialect.waiting.urgent > 0,
  };
  // The connection closes when the last of the three is destroyed.
  const close = async () => {
    await Promise.all([lanes.urgent.destroy(), lanes.background.destroy(), db.destroy()]);
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

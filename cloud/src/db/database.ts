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

export interface OpenDatabase {
  db: Kysely<Database>;
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
  const db = new Kysely<Database>({ dialect: new Sqlite3Dialect({ filename, synchronous: 'FULL' }) });
  try {
    const applied = await migrateToLatest(db as Kysely<unknown>, 'sqlite');
    if (applied.length > 0) log.info(`applied migrations: ${applied.join(', ')}`);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, dialect: 'sqlite', where: `sqlite ${filename}`, close: () => db.destroy() };
}

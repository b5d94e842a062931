/**
 * Opens the configured database and brings its schema up to date. sqlite (one file, WAL) serves one
 * site in one process; PostgreSQL serves several instances. Each dialect has its folder (sqlite/,
 * postgres/) with its kysely dialect, error classification and transaction settings; every query
 * outside them is written to run on both.
 */
import type { Logger } from '@parkinglot/platform/log';
import { type Kysely, sql } from 'kysely';
import { migrateToLatest } from './migrations/index.js';
import { openPostgres } from './postgres/index.js';
import { openSqlite } from './sqlite/index.js';
import type { DialectDatabase } from './types.js';

export type { DbLanes, LaneName } from './types.js';

export type OpenDatabase = DialectDatabase;

/** The database could not be reached at start (nothing was changed). */
export class DatabaseUnreachable extends Error {
  override name = 'DatabaseUnreachable';
}

export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//.test(url);

/** `sqlite:<path>`, `file:<path>`, a bare path, or `postgres://…`. */
export async function openDatabase(url: string, log: Logger): Promise<OpenDatabase> {
  const database = isPostgresUrl(url) ? openPostgres(url, log) : openSqlite(url);
  try {
    await sql`select 1`.execute(database.db).catch((error: Error) => {
      throw new DatabaseUnreachable(`cannot connect to ${database.where}: ${error.message}`, {
        cause: error,
      });
    });
    const applied = await migrateToLatest(database.db as Kysely<unknown>, database.dialect);
    if (applied.length > 0) log.info(`applied migrations: ${applied.join(', ')}`);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

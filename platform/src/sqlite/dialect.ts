import {
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import type { Database } from 'sqlite3';
import { Sqlite3Driver } from './driver.js';

export interface Sqlite3DialectConfig {
  /** A file path, or ':memory:'. */
  filename: string;
  /** NORMAL (the default) can lose the last commits on power loss but never corrupts a WAL database. */
  synchronous?: 'NORMAL' | 'FULL';
  /** How long to wait for another process holding the file; default 5000. */
  busyTimeoutMs?: number;
  /** Runs once, after the pragmas, before the first query. */
  onOpen?: (db: Database) => Promise<void> | void;
}

/**
 * kysely's own SqliteDialect drives only better-sqlite3; this one drives the `sqlite3` package. Only the
 * driver is ours: SQL generation, the adapter and introspection are kysely's sqlite ones.
 */
export class Sqlite3Dialect implements Dialect {
  readonly #config: Sqlite3DialectConfig;

  constructor(config: Sqlite3DialectConfig) {
    this.#config = { ...config };
  }

  createDriver(): Driver {
    return new Sqlite3Driver(this.#config);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }

  // biome-ignore lint/suspicious/noExplicitAny: kysely's Dialect interface declares Kysely<any>.
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

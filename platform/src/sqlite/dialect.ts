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
import { Sqlite3Core, Sqlite3Driver } from './driver.js';
import type { Lane } from './mutex.js';

/** NORMAL can lose the last commits on power loss (not on a crash) but never corrupts a WAL database. */
export type Synchronous = 'NORMAL' | 'FULL';

export interface Sqlite3DialectConfig {
  /** A file path, or ':memory:'. */
  filename: string;
  /** NORMAL by default. */
  synchronous?: Synchronous;
  /**
   * Let the commit that fills the WAL past 1,000 pages checkpoint it (sqlite's default), or leave
   * checkpoints to the caller (`pragma wal_checkpoint`), so that no commit pays for one. Default true.
   */
  autoCheckpoint?: boolean;
  /** How long to wait for another process holding the file; default 5000. */
  busyTimeoutMs?: number;
  /** Runs once, after the pragmas, before the first query. */
  onOpen?: (db: Database) => Promise<void> | void;
}

/**
 * kysely's own SqliteDialect drives only better-sqlite3; this one drives the `sqlite3` package. Only the
 * driver is ours: SQL generation, the adapter and introspection are kysely's sqlite ones.
 *
 * One dialect is one file and one connection. `inLane(lane)` gives a dialect for another Kysely
 * instance over the same connection whose queries and transactions are served in that lane's turn
 * (mutex.ts): `urgent` ahead of `normal` ahead of `background`. A lane may commit at a `synchronous`
 * level of its own: work that a power cut may undo without harm need not wait for an fsync.
 */
export class Sqlite3Dialect implements Dialect {
  readonly #core: Sqlite3Core;
  readonly #lane: Lane;
  readonly #synchronous: Synchronous | undefined;

  /** A config opens a file of its own; a core (from `inLane`) shares another dialect's connection. */
  constructor(config: Sqlite3DialectConfig | Sqlite3Core, lane: Lane = 'normal', synchronous?: Synchronous) {
    this.#core = config instanceof Sqlite3Core ? config : new Sqlite3Core(config);
    this.#lane = lane;
    this.#synchronous = synchronous;
  }

  /** The same connection, served in `lane`'s turn, committing at `options.synchronous` if given. */
  inLane(lane: Lane, options: { synchronous?: Synchronous } = {}): Sqlite3Dialect {
    return new Sqlite3Dialect(this.#core, lane, options.synchronous);
  }

  /** Callers waiting for the connection, per lane (for metrics and slow-request logs). */
  get waiting(): Record<Lane, number> {
    return this.#core.mutex.waiting;
  }

  createDriver(): Driver {
    return new Sqlite3Driver(this.#core, this.#lane, this.#synchronous);
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

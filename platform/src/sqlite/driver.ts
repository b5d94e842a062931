import {
  CompiledQuery,
  createQueryId,
  type DatabaseConnection,
  type Driver,
  IdentifierNode,
  type QueryCompiler,
  RawNode,
} from 'kysely';
import type { Database } from 'sqlite3';
import { Sqlite3Connection } from './connection.js';
import type { Sqlite3DialectConfig, Synchronous } from './dialect.js';
import { type Lane, Mutex } from './mutex.js';
import { close, open, run } from './native.js';

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * One connection for the whole process, lent to one caller at a time. sqlite allows a single writer
 * anyway; serialising here means our own transactions queue in memory instead of failing with
 * SQLITE_BUSY. A consequence: inside `db.transaction()` use only `trx` — a query on the outer `db`
 * (or on another lane's Kysely) waits for the connection the transaction holds, forever.
 *
 * The drivers of every lane of one dialect share it (Sqlite3Dialect.inLane): the file is opened by
 * the first driver initialised and closed when the last one is destroyed.
 */
export class Sqlite3Core {
  readonly #config: Sqlite3DialectConfig;
  readonly mutex = new Mutex();
  #db: Database | undefined;
  #connection: Sqlite3Connection | undefined;
  #opening: Promise<void> | undefined;
  #users = 0;
  #closing: Promise<void> | undefined;
  /** The connection's `synchronous` now; a driver of another level switches it when it takes it. */
  #synchronous: Synchronous;

  constructor(config: Sqlite3DialectConfig) {
    this.#config = { ...config };
    this.#synchronous = config.synchronous ?? 'NORMAL';
  }

  /** Opens the file on first use; one more driver is using it until `release`. */
  async retain(): Promise<void> {
    if (this.#closing) throw new Error('Sqlite3Driver: the database has been destroyed');
    this.#opening ??= this.#open().catch((error) => {
      // kysely may call init again after a failure: let it try afresh.
      this.#opening = undefined;
      throw error;
    });
    await this.#opening;
    this.#users += 1;
  }

  release(): Promise<void> {
    this.#users -= 1;
    if (this.#users > 0) return Promise.resolve();
    this.#closing ??= this.#closeWhenFree();
    return this.#closing;
  }

  /** The connection in `lane`'s turn, at `synchronous` (default: the level the file was opened with). */
  async acquire(lane: Lane, synchronous = this.#config.synchronous ?? 'NORMAL'): Promise<DatabaseConnection> {
    // Closing keeps the lock for good, so waiting for it after that would never end.
    if (this.#closing) throw new Error('Sqlite3Driver: the database has been destroyed');
    await this.mutex.lock(lane);
    const connection = this.#connection;
    if (!connection) {
      this.mutex.unlock();
      throw new Error('Sqlite3Driver: the database is not open (init has not completed)');
    }
    if (synchronous !== this.#synchronous) {
      // Outside any transaction: the lock is ours and every transaction ends before it is released.
      try {
        // Run, not prepared and cached: sqlite applies this pragma when it is prepared.
        await run(this.#db!, `pragma synchronous = ${synchronous}`);
      } catch (error) {
        this.mutex.unlock();
        throw error;
      }
      this.#synchronous = synchronous;
    }
    return connection;
  }

  async #open(): Promise<void> {
    const db = await open(this.#config.filename);
    try {
      await configure(db, this.#config);
      await this.#config.onOpen?.(db);
    } catch (error) {
      // Close so a failed start does not keep the file open.
      await close(db).catch(() => {});
      throw error;
    }
    this.#db = db;
    this.#connection = new Sqlite3Connection(db);
  }

  async #closeWhenFree(): Promise<void> {
    // Let the callers already in line finish; the lock is then kept so nobody gets a closed connection.
    await this.mutex.lock('background');
    const db = this.#db;
    const connection = this.#connection;
    this.#db = undefined;
    this.#connection = undefined;
    await connection?.dispose();
    if (db) await close(db);
  }
}

/**
 * One lane's driver over the shared core: its connections are granted in that lane's turn, and its
 * commits are as durable as its `synchronous` says (the file's own level unless it names one).
 */
export class Sqlite3Driver implements Driver {
  readonly #core: Sqlite3Core;
  readonly #lane: Lane;
  readonly #synchronous: Synchronous | undefined;
  #destroyed: Promise<void> | undefined;

  constructor(core: Sqlite3Core, lane: Lane = 'normal', synchronous?: Synchronous) {
    this.#core = core;
    this.#lane = lane;
    this.#synchronous = synchronous;
  }

  async init(): Promise<void> {
    await this.#core.retain();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#destroyed) throw new Error('Sqlite3Driver: the database has been destroyed');
    return this.#core.acquire(this.#lane, this.#synchronous);
  }

  async releaseConnection(): Promise<void> {
    this.#core.mutex.unlock();
  }

  // IMMEDIATE takes the write lock up front: a DEFERRED transaction that reads and then writes has to
  // upgrade its lock, and two such upgrades can deadlock (one gets SQLITE_BUSY at once, whatever the
  // busy timeout). Isolation level and access mode are ignored: sqlite transactions are serializable.
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw('rollback'));
    } catch (error) {
      // sqlite rolls back by itself after some errors (SQLITE_FULL, IOERR, NOMEM, ...). kysely then
      // throws whatever rollback throws, which would hide the error that actually caused it.
      if (!isNoActiveTransaction(error)) throw error;
    }
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) {
    await connection.executeQuery(savepointCommand('savepoint', name, compile));
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ) {
    await connection.executeQuery(savepointCommand('rollback to', name, compile));
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ) {
    await connection.executeQuery(savepointCommand('release', name, compile));
  }

  destroy(): Promise<void> {
    this.#destroyed ??= this.#core.release();
    return this.#destroyed;
  }
}

async function configure(db: Database, config: Sqlite3DialectConfig): Promise<void> {
  // busy_timeout first, so the pragmas below wait out another process holding the file.
  const busyTimeoutMs = Math.max(0, Math.trunc(config.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS));
  await run(db, `pragma busy_timeout = ${busyTimeoutMs}`);
  // An in-memory database cannot use WAL (sqlite answers "memory"), so don't ask.
  if (config.filename !== ':memory:') await run(db, 'pragma journal_mode = wal');
  await run(db, `pragma synchronous = ${config.synchronous ?? 'NORMAL'}`);
  await run(db, 'pragma foreign_keys = on');
  if (config.autoCheckpoint === false) await run(db, 'pragma wal_autocheckpoint = 0');
}

function savepointCommand(
  command: string,
  name: string,
  compile: QueryCompiler['compileQuery'],
): CompiledQuery {
  // Building the name as an identifier node lets the compiler quote it, as kysely's own drivers do.
  const node = RawNode.createWithChildren([
    RawNode.createWithSql(`${command} `),
    IdentifierNode.create(name),
  ]);
  return compile(node, createQueryId());
}

function isNoActiveTransaction(error: unknown): boolean {
  return error instanceof Error && /no transaction is active/.test(error.message);
}

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
import type { Sqlite3DialectConfig } from './dialect.js';
import { Mutex } from './mutex.js';
import { close, open, run } from './native.js';

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * One connection for the whole process, lent to one caller at a time. sqlite allows a single writer
 * anyway; serialising here means our own transactions queue in memory instead of failing with
 * SQLITE_BUSY. A consequence: inside `db.transaction()` use only `trx` — a query on the outer `db`
 * waits for the connection the transaction holds, forever.
 */
export class Sqlite3Driver implements Driver {
  readonly #config: Sqlite3DialectConfig;
  readonly #mutex = new Mutex();
  #db: Database | undefined;
  #connection: Sqlite3Connection | undefined;
  #destroying: Promise<void> | undefined;

  constructor(config: Sqlite3DialectConfig) {
    this.#config = { ...config };
  }

  async init(): Promise<void> {
    const db = await open(this.#config.filename);
    try {
      await configure(db, this.#config);
      await this.#config.onOpen?.(db);
    } catch (error) {
      // Close so a failed start does not keep the file open (kysely may call init again).
      await close(db).catch(() => {});
      throw error;
    }
    this.#db = db;
    this.#connection = new Sqlite3Connection(db);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    // destroy() keeps the lock for good, so waiting for it after that would never end.
    if (this.#destroying) throw new Error('Sqlite3Driver: the database has been destroyed');
    await this.#mutex.lock();
    if (!this.#connection) {
      this.#mutex.unlock();
      throw new Error('Sqlite3Driver: the database is not open (init has not completed)');
    }
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.unlock();
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
    this.#destroying ??= this.#closeWhenFree();
    return this.#destroying;
  }

  async #closeWhenFree(): Promise<void> {
    // Let the callers already in line finish; the lock is then kept so nobody gets a closed connection.
    await this.#mutex.lock();
    const db = this.#db;
    const connection = this.#connection;
    this.#db = undefined;
    this.#connection = undefined;
    await connection?.dispose();
    if (db) await close(db);
  }
}

async function configure(db: Database, config: Sqlite3DialectConfig): Promise<void> {
  // busy_timeout first, so the pragmas below wait out another process holding the file.
  const busyTimeoutMs = Math.max(0, Math.trunc(config.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS));
  await run(db, `pragma busy_timeout = ${busyTimeoutMs}`);
  // An in-memory database cannot use WAL (sqlite answers "memory"), so don't ask.
  if (config.filename !== ':memory:') await run(db, 'pragma journal_mode = wal');
  await run(db, `pragma synchronous = ${config.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
  await run(db, 'pragma foreign_keys = on');
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

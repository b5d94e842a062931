import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely';
import type { Database, Statement } from 'sqlite3';
import { allPrepared, finalize, prepare, runPrepared } from './native.js';
import { returnsRows } from './statement-kind.js';

const DEFAULT_CHUNK_SIZE = 100;
/** Prepared statements kept per connection; the application's queries are a few dozen shapes. */
const STATEMENT_CACHE_SIZE = 256;
/**
 * Statements with more parameters than this are prepared for one use: they are multi-row inserts and
 * `IN` lists, whose text changes with their size. Kept, they would push the hot statements out of the
 * cache and hold on to their last (large) bindings.
 */
const MAX_CACHED_PARAMETERS = 64;

export class Sqlite3Connection implements DatabaseConnection {
  readonly #db: Database;
  /**
   * Statements by SQL text, least recently used first. Preparing costs about as much as running a
   * small query (measured ~90 µs a query prepared each time, ~50 µs prepared once), and sqlite
   * re-prepares a cached statement by itself after a schema change.
   */
  readonly #statements = new Map<string, Statement>();
  /** Statements being prepared, so that two queries of one text started together share one. */
  readonly #preparing = new Map<string, Promise<Statement>>();

  constructor(db: Database) {
    this.#db = db;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const { sql } = compiledQuery;
    const params = compiledQuery.parameters.map(toBindable);
    if (params.length > MAX_CACHED_PARAMETERS) {
      const once = await prepare(this.#db, sql);
      try {
        return await this.#execute<R>(once, params, returnsRows(compiledQuery));
      } finally {
        await finalize(once);
      }
    }
    return this.#execute<R>(await this.#statement(sql), params, returnsRows(compiledQuery));
  }

  async #execute<R>(statement: Statement, params: unknown[], rows: boolean): Promise<QueryResult<R>> {
    if (rows) return { rows: await allPrepared<R>(statement, params) };
    const { changes, lastID } = await runPrepared(statement, params);
    return {
      rows: [],
      numAffectedRows: BigInt(changes),
      // lastID is the connection's last inserted rowid, not this statement's: after an INSERT that
      // inserted nothing (OR IGNORE, ON CONFLICT DO NOTHING) it would name some earlier row. It is
      // still stale after an upsert that took the DO UPDATE branch or an insert into a WITHOUT ROWID
      // table; use RETURNING when the id matters.
      insertId: changes > 0 ? BigInt(lastID) : undefined,
    };
  }

  /** Finalizes the cached statements; sqlite refuses to close a database that still has some. */
  async dispose(): Promise<void> {
    const statements = [...this.#statements.values()];
    this.#statements.clear();
    await Promise.all(statements.map(finalize));
  }

  async #statement(sql: string): Promise<Statement> {
    const cached = this.#statements.get(sql);
    if (cached) {
      // Map order is insertion order: moving it to the end keeps the least recently used first.
      this.#statements.delete(sql);
      this.#statements.set(sql, cached);
      return cached;
    }
    const pending = this.#preparing.get(sql);
    if (pending) return pending;
    // A statement that fails to prepare (a syntax error, a missing table) is not kept.
    const preparing = prepare(this.#db, sql).finally(() => this.#preparing.delete(sql));
    this.#preparing.set(sql, preparing);
    const statement = await preparing;
    this.#statements.set(sql, statement);
    if (this.#statements.size > STATEMENT_CACHE_SIZE) {
      const [oldest, evicted] = this.#statements.entries().next().value as [string, Statement];
      this.#statements.delete(oldest);
      void finalize(evicted);
    }
    return statement;
  }

  /**
   * Not a true stream: sqlite3's `each` pushes rows with no backpressure, so the whole result would be
   * buffered anyway. The rows are read at once and handed out in chunks.
   */
  async *streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    const size = chunkSize && chunkSize > 0 ? chunkSize : DEFAULT_CHUNK_SIZE;
    const { rows } = await this.executeQuery<R>(compiledQuery);
    for (let start = 0; start < rows.length; start += size) {
      yield { rows: rows.slice(start, start + size) };
    }
  }
}

/** sqlite3 binds a BigInt as NULL without a word, so convert it or refuse it. */
function toBindable(value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`sqlite3 cannot bind ${value}: integers beyond ±2^53 lose precision`);
  }
  return Number(value);
}

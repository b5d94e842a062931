import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely';
import type { Database } from 'sqlite3';
import { all, run } from './native.js';
import { returnsRows } from './statement-kind.js';

const DEFAULT_CHUNK_SIZE = 100;

export class Sqlite3Connection implements DatabaseConnection {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const { sql } = compiledQuery;
    const params = compiledQuery.parameters.map(toBindable);
    if (returnsRows(compiledQuery)) {
      return { rows: await all<R>(this.#db, sql, params) };
    }
    const { changes, lastID } = await run(this.#db, sql, params);
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

/**
 * What went wrong in the database, whichever dialect runs: domain code turns a duplicate key into a
 * 409, a transaction runs again after a serialization failure, and a lost connection is a 503, all
 * without knowing which database it is on. Each dialect classifies its own errors (sqlite/,
 * postgres/); their shapes do not overlap, so asking both is safe.
 */
import { classifyPostgresError } from './postgres/errors.js';
import { classifySqliteError } from './sqlite/errors.js';

/**
 * unique: a unique or primary key was violated; retry: run the transaction again; connection: the
 * database is unreachable; bad_text: a text value it cannot store (PostgreSQL takes no NUL).
 */
export type DbErrorKind = 'unique' | 'retry' | 'connection' | 'bad_text';

export function classifyDbError(error: unknown): DbErrorKind | null {
  return classifySqliteError(error) ?? classifyPostgresError(error);
}

export const isUniqueViolation = (error: unknown): boolean => classifyDbError(error) === 'unique';
export const isRetryable = (error: unknown): boolean => classifyDbError(error) === 'retry';

/** A unique index, as each dialect names it in a violation: PostgreSQL by index, sqlite by columns. */
export interface UniqueIndex {
  name: string;
  table: string;
  columns: string[];
}

/** True when `error` is a violation of `index` (not of another unique key of the table). */
export function violates(error: unknown, index: UniqueIndex): boolean {
  if (!isUniqueViolation(error)) return false;
  const { constraint, message } = error as { constraint?: unknown; message?: unknown };
  if (typeof constraint === 'string') return constraint === index.name;
  // sqlite: "UNIQUE constraint failed: reservations.plate"
  const columns = index.columns.map((c) => `${index.table}.${c}`).join(', ');
  return typeof message === 'string' && message.endsWith(`constraint failed: ${columns}`);
}

/**
 * sqlite3's errors, classified. The driver exposes only the primary result code (SQLITE_CONSTRAINT
 * covers NOT NULL, CHECK and foreign keys too), so the kind of constraint is read from the message.
 */
import type { DbErrorKind } from '../errors.js';

export function classifySqliteError(error: unknown): DbErrorKind | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return null;
  if (code === 'SQLITE_CONSTRAINT') {
    return typeof message === 'string' && /\b(UNIQUE|PRIMARY KEY) constraint failed\b/.test(message)
      ? 'unique'
      : null;
  }
  // One connection serves the process, so BUSY means another process holds the file: try again.
  if (code === 'SQLITE_BUSY') return 'retry';
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_MISUSE') return 'connection';
  return null;
}

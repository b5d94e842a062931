/**
 * Recognises a duplicate key, so domain code can turn it into a 409 without knowing the database.
 * sqlite3 exposes only the primary result code (SQLITE_CONSTRAINT covers NOT NULL, CHECK and foreign
 * keys too), so the kind of constraint has to be read from the message.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === '23505') return true; // PostgreSQL unique_violation
  if (code !== 'SQLITE_CONSTRAINT' || typeof message !== 'string') return false;
  return /\b(UNIQUE|PRIMARY KEY) constraint failed\b/.test(message);
}

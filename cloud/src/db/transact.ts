/**
 * A transaction that runs again when the database says it lost a race (PostgreSQL's serialization
 * failures and deadlocks under SERIALIZABLE; sqlite's BUSY). `work` must do nothing outside the
 * transaction that cannot be done twice.
 */
import type { Kysely, Transaction } from 'kysely';
import { isRetryable } from './errors.js';
import type { Database } from './schema.js';

/** Enough for a 1,000-way race on one row: each retry sees the winner's commit and settles. */
export const TRANSACTION_ATTEMPTS = 20;

export async function transact<T>(
  db: Kysely<Database>,
  work: (trx: Transaction<Database>) => Promise<T>,
  attempts = TRANSACTION_ATTEMPTS,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      // PostgreSQL: the domain's transactions were written for sqlite, which runs them one at a
      // time; SERIALIZABLE keeps that meaning. sqlite's driver takes no settings (begin immediate).
      return await db.transaction().setIsolationLevel('serializable').execute(work);
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error;
      // Let the winner's commit land before trying again.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

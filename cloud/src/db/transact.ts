/**
 * A transaction that runs again when the database says it lost a race (PostgreSQL's serialization
 * failures and deadlocks; sqlite's BUSY). `work` must do nothing outside the
 * transaction that cannot be done twice. A transaction that loses every attempt fails with the
 * database's error, which the HTTP layer answers with 503 (try again), never 500.
 */
import type { Kysely, Transaction } from 'kysely';
import { isRetryable } from './errors.js';
import type { Database } from './schema.js';

/** Enough for a 1,000-way race on one row: each retry sees the winner's commit and settles. */
export const TRANSACTION_ATTEMPTS = 20;

/** Transactions run again since start, by this process (a sign of contention). */
export const transactStats = { retries: 0 };

export async function transact<T>(
  db: Kysely<Database>,
  work: (trx: Transaction<Database>) => Promise<T>,
  attempts = TRANSACTION_ATTEMPTS,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      // PostgreSQL: snapshot isolation. Two transactions that change one row conflict (40001) and
      // one runs again; the one rule that two transactions could break without sharing a row (one
      // car inside per credential) is given a row to share (migration 005). SERIALIZABLE would
      // cover it by itself, but measured here its predicate locks made 16 members reserving and
      // cancelling different spaces fail on each other hundreds of times a second
      // (docs/architecture.md). sqlite's driver takes no settings: it runs one at a time.
      return await db.transaction().setIsolationLevel('repeatable read').execute(work);
    } catch (error) {
      if (!isRetryable(error)) throw error;
      if (attempt >= attempts) throw error;
      transactStats.retries += 1;
      // Two transactions that ran into each other would again if both tried at once: wait a random
      // while, growing with the attempt (at most 25 ms), for the winner's commit to land.
      const ms = Math.random() * Math.min(25, 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
  }
}

import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { transact } from '../db/transact.js';
import type { LaneName } from '../db/types.js';
import { type DomainContext, laneOf } from './context.js';
import { appendEvents, type NewDomainEvent } from './event-log.js';

/**
 * Runs `work` in one transaction and commits the domain events it returns with it; listeners hear of
 * the new events only after the commit, and before this returns. `lane` says in whose turn it waits
 * for the database (db/database.ts): `urgent` for what a gate waits for, `background` for sweeps.
 * A transaction that loses a race on PostgreSQL runs again, `work` included (db/transact.ts).
 */
export async function commit<T>(
  ctx: DomainContext,
  work: (trx: Transaction<Database>, nowMs: number) => Promise<{ result: T; events: NewDomainEvent[] }>,
  lane?: LaneName,
): Promise<T> {
  const nowMs = ctx.clock.now();
  const { result, appended } = await transact(laneOf(ctx, lane), async (trx) => {
    const { result, events } = await work(trx, nowMs);
    // Last: its insert takes the log's turn (on PostgreSQL an advisory lock, migration 004), which
    // the transaction holds until it commits.
    const appended = events.length > 0 ? await appendEvents(trx, events, nowMs) : [];
    return { result, appended };
  });
  const last = appended.at(-1);
  if (!last) return result;
  if (ctx.feed) {
    // Committed whatever happens here: a failure to read another instance's events in between only
    // delays the bus (the next wake-up or poll reads them), it must not fail the caller.
    await ctx.feed
      .delivered(appended)
      .catch((error: unknown) => ctx.log.warn(`events up to seq ${last.seq} reach the bus late`, error));
  } else ctx.bus.emit('eventsAppended', { lastSeq: last.seq, events: appended });
  return result;
}

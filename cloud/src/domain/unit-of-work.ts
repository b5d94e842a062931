import type { Transaction } from 'kysely';
import type { LaneName } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { type DomainContext, laneOf } from './context.js';
import { appendEvents, type NewDomainEvent } from './event-log.js';

/**
 * Runs `work` in one transaction and commits the domain events it returns with it; listeners hear of
 * the new events only after the commit. `lane` says in whose turn it waits for the database
 * (db/database.ts): `urgent` for what a gate waits for, `background` for sweeps.
 */
export async function commit<T>(
  ctx: DomainContext,
  work: (trx: Transaction<Database>, nowMs: number) => Promise<{ result: T; events: NewDomainEvent[] }>,
  lane?: LaneName,
): Promise<T> {
  const nowMs = ctx.clock.now();
  const { result, appended } = await laneOf(ctx, lane)
    .transaction()
    .execute(async (trx) => {
      const { result, events } = await work(trx, nowMs);
      const appended = events.length > 0 ? await appendEvents(trx, events, nowMs) : [];
      return { result, appended };
    });
  const last = appended.at(-1);
  if (last) ctx.bus.emit('eventsAppended', { lastSeq: last.seq, events: appended });
  return result;
}

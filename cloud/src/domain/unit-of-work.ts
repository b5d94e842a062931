import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { DomainContext } from './context.js';
import { appendEvents, type NewDomainEvent } from './event-log.js';

/**
 * Runs `work` in one transaction and commits the domain events it returns with it; listeners hear of
 * the new events only after the commit.
 */
export async function commit<T>(
  ctx: DomainContext,
  work: (trx: Transaction<Database>, nowMs: number) => Promise<{ result: T; events: NewDomainEvent[] }>,
): Promise<T> {
  const nowMs = ctx.clock.now();
  const { result, seq } = await ctx.db.transaction().execute(async (trx) => {
    const { result, events } = await work(trx, nowMs);
    const seq = events.length > 0 ? await appendEvents(trx, events, nowMs) : 0;
    return { result, seq };
  });
  if (seq > 0) ctx.bus.emit('eventsAppended', { lastSeq: seq });
  return result;
}

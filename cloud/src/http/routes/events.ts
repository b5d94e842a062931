/**
 * The domain event log over HTTP, for integrators to catch up: `parking/events/#` is live and at
 * least once while a subscriber is connected; after a disconnect (or a broker restart) a subscriber
 * asks here for everything after the last `seq` it saw.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { lastSeq, readEventsAfter } from '../../domain/event-log.js';
import { type Env, requireStaff } from '../auth.js';
import { readQuery } from '../validate.js';

const eventsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export function eventRoutes(ctx: DomainContext) {
  return new Hono<Env>().get('/', async (c) => {
    requireStaff(c.get('actor'), 'viewer');
    const { after, limit } = readQuery(c, eventsQuery);
    const [events, head] = await Promise.all([readEventsAfter(ctx.db, after, limit), lastSeq(ctx.db)]);
    return c.json({ events, lastSeq: head });
  });
}

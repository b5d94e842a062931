/**
 * The domain event log over HTTP, for integrators to catch up: `parking/events/#` is live and at
 * least once while a subscriber is connected; after a disconnect (or a broker restart) a subscriber
 * asks here for everything after the last `seq` it saw.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { lastSeq, readEventsAfter } from '../../domain/event-log.js';
import { type Env, requireStaff } from '../auth.js';
import { endpoint } from '../endpoint.js';
import { eventsSchema } from '../schemas.js';
import { readQuery } from '../validate.js';

const eventsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export function eventRoutes(ctx: DomainContext) {
  const r = new OpenAPIHono<Env>();
  endpoint(
    r,
    {
      method: 'get',
      path: '/',
      tag: 'Events',
      summary: 'The domain event log after a sequence number',
      audience: 'viewer',
      query: eventsQuery,
      ok: { status: 200, schema: eventsSchema, description: 'Events in `seq` order, and the log’s head' },
      errors: [400, 403],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'viewer');
      const { after, limit } = readQuery(c, eventsQuery);
      const [events, head] = await Promise.all([readEventsAfter(ctx.db, after, limit), lastSeq(ctx.db)]);
      return c.json({ events, lastSeq: head });
    },
  );
  return r;
}

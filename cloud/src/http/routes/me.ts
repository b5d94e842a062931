/** A member's own view, with the member's token: who they are, their reservations, their car inside. */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { DomainContext } from '../../domain/context.js';
import { forbidden } from '../../domain/errors.js';
import { currentSession, listReservations } from '../../domain/listings.js';
import { getMember } from '../../domain/members.js';
import type { Actor } from '../../domain/reservations.js';
import type { Env } from '../auth.js';
import { endpoint } from '../endpoint.js';
import { page, pageOf } from '../paging.js';
import { currentSessionSchema, memberSchema, pageOf as pageSchema, reservationSchema } from '../schemas.js';
import { readQuery } from '../validate.js';
import { reservationsQuery } from './reservations.js';

const tag = 'Me';
const myReservationsQuery = reservationsQuery.omit({ memberId: true, facilityId: true });

function memberOf(actor: Actor): string {
  if (actor.role !== 'member')
    throw forbidden('this call is for members, with their own token (operators: GET /api/operators/me)');
  return actor.memberId;
}

export function meRoutes(ctx: DomainContext) {
  const r = new OpenAPIHono<Env>();
  endpoint(
    r,
    {
      method: 'get',
      path: '/',
      tag,
      summary: 'Myself',
      audience: 'member',
      ok: { status: 200, schema: memberSchema, description: 'The member the token belongs to' },
      errors: [403],
    },
    async (c) => c.json(await getMember(ctx, memberOf(c.get('actor')))),
  );
  endpoint(
    r,
    {
      method: 'get',
      path: '/reservations',
      tag,
      summary: 'My reservations, newest first',
      audience: 'member',
      query: myReservationsQuery,
      ok: {
        status: 200,
        schema: pageSchema(reservationSchema, 'Reservation'),
        description: 'A page of reservations',
      },
      errors: [400, 403],
    },
    async (c) => {
      const memberId = memberOf(c.get('actor'));
      const q = readQuery(c, myReservationsQuery);
      return c.json(page(await listReservations(ctx.db, { ...q, memberId }, pageOf(q, 2)), q.limit));
    },
  );
  endpoint(
    r,
    {
      method: 'get',
      path: '/session',
      tag,
      summary: 'My car inside now',
      audience: 'member',
      ok: {
        status: 200,
        schema: currentSessionSchema,
        description: '`session` is null when no car of mine is inside',
      },
      errors: [403],
    },
    async (c) => c.json({ session: await currentSession(ctx.db, memberOf(c.get('actor'))) }),
  );
  return r;
}

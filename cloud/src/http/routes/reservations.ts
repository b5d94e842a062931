/** Reservations: made by a member (or an operator for one), listed, read and cancelled. */
import { OpenAPIHono } from '@hono/zod-openapi';
import { createReservationBody } from '@parkinglot/shared';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { invalid } from '../../domain/errors.js';
import { listReservations } from '../../domain/listings.js';
import { cancel, getReservation, reserve } from '../../domain/reservations.js';
import { type Env, requireStaff } from '../auth.js';
import { endpoint, idParams } from '../endpoint.js';
import { page, pageOf, pageQuery } from '../paging.js';
import { canceledSchema, pageOf as pageSchema, reservationSchema } from '../schemas.js';
import { readBody, readQuery } from '../validate.js';

const tag = 'Reservations';

export const reservationsQuery = pageQuery.extend({
  facilityId: z.string().min(1).max(64).optional(),
  memberId: z.string().min(1).max(64).optional(),
  status: z
    .enum(['reserved', 'canceled', 'in_use', 'completed', 'expired', 'live'])
    .optional()
    .meta({ description: '`live` is reserved or in use' }),
});

export function reservationRoutes(ctx: DomainContext) {
  const r = new OpenAPIHono<Env>();
  endpoint(
    r,
    {
      method: 'get',
      path: '/',
      tag,
      summary: 'List reservations, newest first',
      audience: 'viewer',
      query: reservationsQuery,
      ok: {
        status: 200,
        schema: pageSchema(reservationSchema, 'Reservation'),
        description: 'A page of reservations',
      },
      errors: [400, 403],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'viewer');
      const q = readQuery(c, reservationsQuery);
      return c.json(page(await listReservations(ctx.db, q, pageOf(q, 2)), q.limit));
    },
  );
  endpoint(
    r,
    {
      method: 'post',
      path: '/',
      tag,
      summary: 'Reserve a space',
      description:
        'First come, first served: of any number of concurrent requests for one space exactly one wins (201), the others get 409 `space_unavailable`. An operator reserves for a member by naming `memberId`.',
      audience: 'member or operator',
      body: createReservationBody,
      ok: { status: 201, schema: reservationSchema, description: 'The reservation, `reserved`' },
      errors: [400, 403, 404, 409],
    },
    async (c) => {
      const actor = c.get('actor');
      if (actor.role === 'staff') requireStaff(actor, 'operator');
      const body = await readBody(c, createReservationBody);
      const memberId = actor.role === 'member' ? actor.memberId : body.memberId;
      if (!memberId)
        throw invalid('validation_failed', 'memberId: an operator reserves on behalf of a member');
      if (actor.role === 'member' && body.memberId && body.memberId !== actor.memberId) {
        throw invalid('validation_failed', 'memberId: a member reserves only for themselves');
      }
      return c.json(await reserve(ctx, { memberId, spaceId: body.spaceId, plate: body.plate }), 201);
    },
  );
  endpoint(
    r,
    {
      method: 'get',
      path: '/{id}',
      tag,
      summary: 'One reservation',
      audience: 'member or viewer',
      params: idParams,
      ok: { status: 200, schema: reservationSchema, description: 'The reservation' },
      errors: [400, 403, 404],
    },
    async (c) => {
      const actor = c.get('actor');
      if (actor.role === 'staff') requireStaff(actor, 'viewer');
      return c.json(await getReservation(ctx, c.req.param('id')!, actor));
    },
  );
  endpoint(
    r,
    {
      method: 'post',
      path: '/{id}/cancel',
      tag,
      summary: 'Cancel a reservation',
      audience: 'member or operator',
      params: idParams,
      ok: { status: 200, schema: canceledSchema, description: 'Cancelled; the space is available again' },
      errors: [400, 403, 404, 409],
    },
    async (c) => {
      const actor = c.get('actor');
      if (actor.role === 'staff') requireStaff(actor, 'operator');
      return c.json(await cancel(ctx, c.req.param('id')!, actor));
    },
  );
  return r;
}

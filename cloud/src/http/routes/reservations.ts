import { createReservationBody } from '@parkinglot/shared';
import { Hono } from 'hono';
import type { DomainContext } from '../../domain/context.js';
import { invalid } from '../../domain/errors.js';
import { cancel, getReservation, reserve } from '../../domain/reservations.js';
import { type Env, requireStaff } from '../auth.js';
import { readBody } from '../validate.js';

export function reservationRoutes(ctx: DomainContext) {
  return new Hono<Env>()
    .post('/', async (c) => {
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
    })
    .get('/:id', async (c) => c.json(await getReservation(ctx, c.req.param('id'), c.get('actor'))))
    .post('/:id/cancel', async (c) => {
      const actor = c.get('actor');
      if (actor.role === 'staff') requireStaff(actor, 'operator');
      return c.json(await cancel(ctx, c.req.param('id'), actor));
    });
}

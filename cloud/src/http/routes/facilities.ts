import { createFacilityBody, createGateBody, createSpaceBody } from '@parkinglot/shared';
import { Hono } from 'hono';
import type { DomainContext } from '../../domain/context.js';
import { addSpace, getFacility, registerFacility, registerGate } from '../../domain/facilities.js';
import { type Env, requireStaff } from '../auth.js';
import { readBody } from '../validate.js';

export function facilityRoutes(ctx: DomainContext) {
  return new Hono<Env>()
    .post('/', async (c) => {
      requireStaff(c.get('actor'), 'admin');
      return c.json(await registerFacility(ctx, await readBody(c, createFacilityBody)), 201);
    })
    .get('/:id', async (c) => {
      requireStaff(c.get('actor'), 'viewer');
      return c.json(await getFacility(ctx, c.req.param('id')));
    })
    .post('/:id/spaces', async (c) => {
      requireStaff(c.get('actor'), 'admin');
      return c.json(await addSpace(ctx, c.req.param('id'), await readBody(c, createSpaceBody)), 201);
    })
    .post('/:id/gates', async (c) => {
      requireStaff(c.get('actor'), 'admin');
      return c.json(await registerGate(ctx, c.req.param('id'), await readBody(c, createGateBody)), 201);
    });
}

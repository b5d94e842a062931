import { Hono } from 'hono';
import type { DomainContext } from '../../domain/context.js';
import { rotateGatePassword } from '../../domain/facilities.js';
import { type Env, requireOperator } from '../auth.js';

export function gateRoutes(ctx: DomainContext) {
  return new Hono<Env>().post('/:id/password', async (c) => {
    requireOperator(c.get('actor'));
    return c.json(await rotateGatePassword(ctx, c.req.param('id')));
  });
}

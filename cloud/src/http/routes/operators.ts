/** Operator accounts: admins create, list, rotate and disable them; any account reads itself. */
import { createOperatorBody } from '@parkinglot/shared';
import { Hono } from 'hono';
import type { DomainContext } from '../../domain/context.js';
import {
  createAccount,
  disableAccount,
  getAccount,
  listAccounts,
  rotateAccountToken,
} from '../../domain/operators.js';
import { type Env, requireStaff } from '../auth.js';
import { readBody } from '../validate.js';

export function operatorRoutes(ctx: DomainContext) {
  return new Hono<Env>()
    .get('/', async (c) => {
      requireStaff(c.get('actor'), 'admin');
      return c.json({ items: await listAccounts(ctx) });
    })
    .post('/', async (c) => {
      requireStaff(c.get('actor'), 'admin');
      return c.json(await createAccount(ctx, await readBody(c, createOperatorBody)), 201);
    })
    .get('/me', async (c) => c.json(await getAccount(ctx, requireStaff(c.get('actor'), 'viewer').id)))
    .get('/:id', async (c) => {
      const me = requireStaff(c.get('actor'), 'viewer');
      if (me.id !== c.req.param('id')) requireStaff(c.get('actor'), 'admin');
      return c.json(await getAccount(ctx, c.req.param('id')));
    })
    .post('/:id/token', async (c) => {
      requireStaff(c.get('actor'), 'admin');
      return c.json(await rotateAccountToken(ctx, c.req.param('id')));
    })
    .post('/:id/disable', async (c) => {
      requireStaff(c.get('actor'), 'admin');
      return c.json(await disableAccount(ctx, c.req.param('id')));
    });
}

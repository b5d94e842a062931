/** Operator accounts: admins create, list, rotate and disable them; every account reads itself. */
import { OpenAPIHono } from '@hono/zod-openapi';
import { createOperatorBody } from '@parkinglot/shared';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import {
  createAccount,
  disableAccount,
  getAccount,
  listAccounts,
  rotateAccountToken,
} from '../../domain/operators.js';
import { type Env, requireStaff } from '../auth.js';
import { endpoint, idParams } from '../endpoint.js';
import { accountSchema, accountWithTokenSchema } from '../schemas.js';
import { readBody } from '../validate.js';

const tag = 'Operator accounts';

export function operatorRoutes(ctx: DomainContext) {
  const r = new OpenAPIHono<Env>();
  endpoint(
    r,
    {
      method: 'get',
      path: '/',
      tag,
      summary: 'List the accounts',
      audience: 'admin',
      ok: {
        status: 200,
        schema: z.object({ items: z.array(accountSchema) }),
        description: 'Every account, by name',
      },
      errors: [403],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'admin');
      return c.json({ items: await listAccounts(ctx) });
    },
  );
  endpoint(
    r,
    {
      method: 'post',
      path: '/',
      tag,
      summary: 'Create an account',
      description:
        'Its token, shown only here, is its HTTP token and the password of its MQTT login (username: its name).',
      audience: 'admin',
      body: createOperatorBody,
      ok: { status: 201, schema: accountWithTokenSchema, description: 'The new account and its token' },
      errors: [400, 403, 409],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'admin');
      return c.json(await createAccount(ctx, await readBody(c, createOperatorBody)), 201);
    },
  );
  endpoint(
    r,
    {
      method: 'get',
      path: '/me',
      tag,
      summary: 'The account this token belongs to',
      audience: 'viewer',
      ok: { status: 200, schema: accountSchema, description: 'The account' },
      errors: [403],
    },
    async (c) => c.json(await getAccount(ctx, requireStaff(c.get('actor'), 'viewer').id)),
  );
  endpoint(
    r,
    {
      method: 'get',
      path: '/{id}',
      tag,
      summary: 'One account',
      audience: 'admin',
      description: 'Any account may read itself.',
      params: idParams,
      ok: { status: 200, schema: accountSchema, description: 'The account' },
      errors: [400, 403, 404],
    },
    async (c) => {
      const me = requireStaff(c.get('actor'), 'viewer');
      if (me.id !== c.req.param('id')) requireStaff(c.get('actor'), 'admin');
      return c.json(await getAccount(ctx, c.req.param('id')!));
    },
  );
  endpoint(
    r,
    {
      method: 'post',
      path: '/{id}/token',
      tag,
      summary: 'Rotate an account’s token',
      description:
        'The new token (also the new MQTT password) is shown once; the old one stops working and the account’s MQTT sessions end at once. The first admin’s token is the configured one: 409 `configured_account`.',
      audience: 'admin',
      params: idParams,
      ok: { status: 200, schema: accountWithTokenSchema, description: 'The account and its new token' },
      errors: [400, 403, 404, 409],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'admin');
      return c.json(await rotateAccountToken(ctx, c.req.param('id')!));
    },
  );
  endpoint(
    r,
    {
      method: 'post',
      path: '/{id}/disable',
      tag,
      summary: 'Disable an account for good',
      description:
        'Its token stops working and its MQTT sessions end at once. Not the first admin (409 `configured_account`).',
      audience: 'admin',
      params: idParams,
      ok: { status: 200, schema: accountSchema, description: 'The account, `disabled`' },
      errors: [400, 403, 404, 409],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'admin');
      return c.json(await disableAccount(ctx, c.req.param('id')!));
    },
  );
  return r;
}

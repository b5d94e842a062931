/** The opt-in offline allowlist: its setting per facility, and the public key gates verify it with. */
import { OpenAPIHono } from '@hono/zod-openapi';
import { plateField, rfidField } from '@parkinglot/shared';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { requireFacility } from '../../domain/facilities.js';
import { configureAllowlist, getSetting, signingKey } from '../../domain/offline-allowlist.js';
import { type Env, requireStaff } from '../auth.js';
import { endpoint, idParams } from '../endpoint.js';
import { readBody } from '../validate.js';

const credential = z.union([
  z.object({ kind: z.literal('plate'), value: plateField, note: z.string().max(120).optional() }),
  z.object({ kind: z.literal('rfid'), value: rfidField, note: z.string().max(120).optional() }),
]);

export const allowlistBody = z.object({
  enabled: z.boolean(),
  /** Reservations held within this many minutes are listed, and a list lasts this long. */
  windowMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  alwaysAdmit: z.array(credential).max(500).default([]),
});

const settingSchema = z
  .object({
    enabled: z.boolean(),
    windowMinutes: z.number().int(),
    alwaysAdmit: z.array(
      z.object({ kind: z.enum(['plate', 'rfid']), value: z.string(), note: z.string().optional() }),
    ),
  })
  .meta({ id: 'OfflineAllowlistSetting' });

export function allowlistRoutes(ctx: DomainContext) {
  const r = new OpenAPIHono<Env>();
  const tag = 'Offline allowlist';
  endpoint(
    r,
    {
      method: 'get',
      path: '/{id}/offline-allowlist',
      tag,
      summary: 'A facility’s offline allowlist setting (off unless turned on)',
      audience: 'viewer',
      params: idParams,
      ok: { status: 200, schema: settingSchema, description: 'The setting' },
      errors: [400, 403, 404],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'viewer');
      await requireFacility(ctx.db, c.req.param('id')!);
      return c.json(await getSetting(ctx.db, c.req.param('id')!));
    },
  );
  endpoint(
    r,
    {
      method: 'put',
      path: '/{id}/offline-allowlist',
      tag,
      summary: 'Turn the offline allowlist on or off for a facility',
      description:
        'On: each entry gate is given a signed list, valid `windowMinutes`, of the credentials holding a reservation there and those in `alwaysAdmit`; a gate uses it only while it cannot reach the cloud. docs/protocol.md says what an operator takes on by turning it on.',
      audience: 'admin',
      params: idParams,
      body: allowlistBody,
      ok: {
        status: 200,
        schema: settingSchema.extend({ facilityId: z.string() }),
        description: 'The setting now',
      },
      errors: [400, 403, 404],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'admin');
      return c.json(await configureAllowlist(ctx, c.req.param('id')!, await readBody(c, allowlistBody)));
    },
  );
  return r;
}

export function signingKeyRoutes(ctx: DomainContext) {
  const r = new OpenAPIHono<Env>();
  endpoint(
    r,
    {
      method: 'get',
      path: '/',
      tag: 'Offline allowlist',
      summary: 'The public key gates verify their offline allowlists with',
      description: 'Put it in each gate’s configuration (`allowlist.publicKey`): a gate trusts no other.',
      audience: 'viewer',
      ok: {
        status: 200,
        schema: z.object({
          keyId: z.string(),
          publicKey: z.string().meta({ description: 'Ed25519, SPKI PEM' }),
        }),
        description: 'The key',
      },
      errors: [403],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'viewer');
      const key = await signingKey(ctx.db, ctx.clock.now());
      return c.json({ keyId: key.id, publicKey: key.publicKey });
    },
  );
  return r;
}

/** Facilities, their spaces and their gates (with what each gate last said of itself). */
import { OpenAPIHono } from '@hono/zod-openapi';
import { createFacilityBody, createGateBody, createSpaceBody } from '@parkinglot/shared';
import type { DomainContext } from '../../domain/context.js';
import {
  addSpace,
  getFacility,
  registerFacility,
  registerGate,
  requireFacility,
} from '../../domain/facilities.js';
import { listFacilities, listGates } from '../../domain/listings.js';
import type { GateStatus } from '../../gateway/gate-status.js';
import { type Env, requireStaff } from '../auth.js';
import { endpoint, idParams } from '../endpoint.js';
import { page, pageOf, pageQuery } from '../paging.js';
import {
  facilityDetailSchema,
  facilitySchema,
  gateWithStatusSchema,
  pageOf as pageSchema,
  registeredGateSchema,
  spaceSchema,
} from '../schemas.js';
import { readBody, readQuery } from '../validate.js';
import { presentStatus } from './gate-status-view.js';

const tag = 'Facilities';

export function facilityRoutes(ctx: DomainContext, status: GateStatus) {
  const r = new OpenAPIHono<Env>();
  endpoint(
    r,
    {
      method: 'get',
      path: '/',
      tag,
      summary: 'List facilities',
      audience: 'viewer',
      query: pageQuery,
      ok: {
        status: 200,
        schema: pageSchema(facilitySchema, 'Facility'),
        description: 'A page of facilities',
      },
      errors: [400, 403],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'viewer');
      const q = readQuery(c, pageQuery);
      return c.json(page(await listFacilities(ctx.db, pageOf(q, 1)), q.limit));
    },
  );
  endpoint(
    r,
    {
      method: 'post',
      path: '/',
      tag,
      summary: 'Register a facility',
      audience: 'admin',
      body: createFacilityBody,
      ok: { status: 201, schema: facilitySchema, description: 'The new facility' },
      errors: [400, 403],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'admin');
      return c.json(await registerFacility(ctx, await readBody(c, createFacilityBody)), 201);
    },
  );
  endpoint(
    r,
    {
      method: 'get',
      path: '/{id}',
      tag,
      summary: 'A facility with its spaces and gates',
      audience: 'viewer',
      params: idParams,
      ok: { status: 200, schema: facilityDetailSchema, description: 'The facility' },
      errors: [400, 403, 404],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'viewer');
      return c.json(await getFacility(ctx, c.req.param('id')!));
    },
  );
  endpoint(
    r,
    {
      method: 'post',
      path: '/{id}/spaces',
      tag,
      summary: 'Add a space',
      audience: 'admin',
      params: idParams,
      body: createSpaceBody,
      ok: { status: 201, schema: spaceSchema, description: 'The new space, `available`' },
      errors: [400, 403, 404, 409],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'admin');
      return c.json(await addSpace(ctx, c.req.param('id')!, await readBody(c, createSpaceBody)), 201);
    },
  );
  endpoint(
    r,
    {
      method: 'get',
      path: '/{id}/gates',
      tag,
      summary: 'The facility’s gates with their live status',
      description:
        'Online or offline, barrier, phase, loops, cloud link, outbox depth, alarms and last read: what each gate last published (retained) on its `availability` and `state`.',
      audience: 'viewer',
      params: idParams,
      query: pageQuery,
      ok: {
        status: 200,
        schema: pageSchema(gateWithStatusSchema, 'GateWithStatus'),
        description: 'A page of gates',
      },
      errors: [400, 403, 404],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'viewer');
      const facilityId = c.req.param('id')!;
      await requireFacility(ctx.db, facilityId);
      const q = readQuery(c, pageQuery);
      const result = page(await listGates(ctx.db, facilityId, pageOf(q, 1)), q.limit);
      return c.json({
        ...result,
        items: result.items.map((gate) => ({ ...gate, status: presentStatus(status.get(gate.id)) })),
      });
    },
  );
  endpoint(
    r,
    {
      method: 'post',
      path: '/{id}/gates',
      tag,
      summary: 'Register a gate',
      description: 'The answer holds the gate’s MQTT login; its password is shown only here.',
      audience: 'admin',
      params: idParams,
      body: createGateBody,
      ok: { status: 201, schema: registeredGateSchema, description: 'The new gate and its MQTT login' },
      errors: [400, 403, 404],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'admin');
      return c.json(await registerGate(ctx, c.req.param('id')!, await readBody(c, createGateBody)), 201);
    },
  );
  return r;
}

/**
 * The audit, for operators: every command given to a gate (who, when, which gate, why, and how it
 * ended), and what gates recorded themselves (ManualOpen, ManualHoldOpen, ManualRelease and every
 * other gate event), newest first.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { presentCommand } from '../../domain/gate-commands.js';
import { listGateEvents } from '../../domain/listings.js';
import { type Env, requireStaff } from '../auth.js';
import { endpoint } from '../endpoint.js';
import { page, pageOf, pageQuery } from '../paging.js';
import { commandRecordSchema, gateEventRecordSchema, pageOf as pageSchema } from '../schemas.js';
import { readQuery } from '../validate.js';

const ref = z.string().min(1).max(64).optional();
const commandsQuery = pageQuery.extend({ gateId: ref, operatorId: ref, facilityId: ref });
const gateEventsQuery = pageQuery.extend({
  gateId: ref,
  facilityId: ref,
  type: z
    .string()
    .regex(/^[A-Z][A-Za-z]{1,39}$/)
    .optional()
    .meta({ example: 'ManualOpen' }),
});
const tag = 'Audit';

export function commandRoutes(ctx: DomainContext) {
  const r = new OpenAPIHono<Env>();
  endpoint(
    r,
    {
      method: 'get',
      path: '/',
      tag,
      summary: 'Commands given to gates, newest first',
      audience: 'viewer',
      query: commandsQuery,
      ok: {
        status: 200,
        schema: pageSchema(commandRecordSchema, 'CommandRecord'),
        description: 'A page of commands',
      },
      errors: [400, 403],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'viewer');
      const q = readQuery(c, commandsQuery);
      const after = pageOf(q, 2).after;
      let query = ctx.db.selectFrom('gate_commands').selectAll();
      if (q.gateId) query = query.where('gate_id', '=', q.gateId);
      if (q.operatorId) query = query.where('operator_id', '=', q.operatorId);
      if (q.facilityId) query = query.where('facility_id', '=', q.facilityId);
      if (after) {
        const [issuedAt, commandId] = after as [string, string];
        query = query.where((eb) =>
          eb.or([
            eb('issued_at', '<', issuedAt),
            eb.and([eb('issued_at', '=', issuedAt), eb('command_id', '<', commandId)]),
          ]),
        );
      }
      const rows = await query
        .orderBy('issued_at', 'desc')
        .orderBy('command_id', 'desc')
        .limit(q.limit + 1)
        .execute();
      const items = rows.map(presentCommand);
      return c.json(page({ rows: items, key: (i) => [i.issuedAt, i.commandId] }, q.limit));
    },
  );
  return r;
}

export function gateEventRoutes(ctx: DomainContext) {
  const r = new OpenAPIHono<Env>();
  endpoint(
    r,
    {
      method: 'get',
      path: '/',
      tag,
      summary: 'Events as gates reported them, newest first',
      description:
        'Filter by `type=ManualOpen` (or ManualHoldOpen, ManualRelease) for what gates did on operators’ commands.',
      audience: 'viewer',
      query: gateEventsQuery,
      ok: {
        status: 200,
        schema: pageSchema(gateEventRecordSchema, 'GateEventRecord'),
        description: 'A page of gate events',
      },
      errors: [400, 403],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'viewer');
      const q = readQuery(c, gateEventsQuery);
      return c.json(page(await listGateEvents(ctx.db, q, pageOf(q, 3)), q.limit));
    },
  );
  return r;
}

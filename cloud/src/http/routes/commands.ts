/**
 * The audit, for operators: every command given to a gate (who, when, which gate, why, and how it
 * ended), and what gates recorded themselves (ManualOpen, ManualHoldOpen, ManualRelease and every
 * other gate event), newest first.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { presentCommand } from '../../domain/gate-commands.js';
import { type Env, requireStaff } from '../auth.js';
import { page, pageQuery, readCursor } from '../paging.js';
import { readQuery } from '../validate.js';

const commandsQuery = pageQuery.extend({
  gateId: z.string().min(1).max(64).optional(),
  operatorId: z.string().min(1).max(64).optional(),
  facilityId: z.string().min(1).max(64).optional(),
});

export function commandRoutes(ctx: DomainContext) {
  return new Hono<Env>().get('/', async (c) => {
    requireStaff(c.get('actor'), 'viewer');
    const q = readQuery(c, commandsQuery);
    const after = readCursor(q.cursor, 2);
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
    return c.json(page(rows, q.limit, (r) => [r.issued_at, r.command_id], presentCommand));
  });
}

/** The schedule is read from the read model only; `asOf` says how far the projection has got. */

import { OpenAPIHono } from '@hono/zod-openapi';
import { scheduleQuery } from '@parkinglot/shared';
import type { DomainContext } from '../../domain/context.js';
import { getCheckpoint, lastSeq } from '../../domain/event-log.js';
import { requireFacility } from '../../domain/facilities.js';
import { SCHEDULE_CHECKPOINT } from '../../projection/schedule-projector.js';
import { type Env, requireStaff } from '../auth.js';
import { endpoint } from '../endpoint.js';
import { scheduleSchema } from '../schemas.js';
import { readQuery } from '../validate.js';

export function scheduleRoutes(ctx: DomainContext) {
  const r = new OpenAPIHono<Env>();
  endpoint(
    r,
    {
      method: 'get',
      path: '/',
      tag: 'Schedule',
      summary: 'A facility’s schedule (the read model)',
      description:
        'Every space’s status; holder details only to operators and to the holder. `asOf` says how far the projection has got.',
      audience: 'member or viewer',
      query: scheduleQuery,
      ok: { status: 200, schema: scheduleSchema, description: 'The schedule' },
      errors: [400, 403, 404],
    },
    async (c) => {
      const { facilityId } = readQuery(c, scheduleQuery);
      const actor = c.get('actor');
      if (actor.role === 'staff') requireStaff(actor, 'viewer');
      await requireFacility(ctx.db, facilityId);
      const [rows, seq, head] = await Promise.all([
        ctx.db
          .selectFrom('schedule_spaces')
          .selectAll()
          .where('facility_id', '=', facilityId)
          .orderBy('label')
          .execute(),
        getCheckpoint(ctx.db, SCHEDULE_CHECKPOINT),
        lastSeq(ctx.db),
      ]);
      const spaces = rows.map((r) => {
        // Members see occupancy; who holds a space is the holder's and the operator's business.
        const mine = actor.role === 'staff' || (actor.role === 'member' && actor.memberId === r.member_id);
        return {
          id: r.space_id,
          label: r.label,
          floor: r.floor,
          status: r.status,
          holdUntil: r.hold_until,
          reservedAt: r.reserved_at,
          occupiedSince: r.occupied_since,
          ...(mine
            ? {
                reservationId: r.reservation_id,
                memberId: r.member_id,
                plate: r.plate,
                sessionId: r.session_id,
              }
            : {}),
        };
      });
      return c.json({ facilityId, spaces, asOf: { seq, lag: head - seq } });
    },
  );
  return r;
}

import { gateCommandBody, newId } from '@parkinglot/shared';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { DomainContext } from '../../domain/context.js';
import { rotateGatePassword } from '../../domain/facilities.js';
import type { GateCommander } from '../../gateway/gate-commander.js';
import { type Env, requireStaff } from '../auth.js';
import { errorBody } from '../errors.js';
import { readBody } from '../validate.js';

/** How each outcome of a command leaves the API: the command was recorded in every case but the first two. */
const OUTCOME_STATUS: Record<string, { status: ContentfulStatusCode; code: string }> = {
  forbidden: { status: 403, code: 'forbidden' },
  invalid: { status: 404, code: 'gate_not_found' },
  offline: { status: 409, code: 'gate_offline' },
  refused: { status: 409, code: 'command_refused' },
  timeout: { status: 504, code: 'gate_timeout' },
};

export function gateRoutes(ctx: DomainContext, commander: GateCommander) {
  return new Hono<Env>()
    .post('/:id/password', async (c) => {
      requireStaff(c.get('actor'), 'admin');
      return c.json(await rotateGatePassword(ctx, c.req.param('id')));
    })
    .post('/:id/commands', async (c) => {
      const account = requireStaff(c.get('actor'), 'operator');
      const { action, reason } = await readBody(c, gateCommandBody);
      const result = await commander.run({
        commandId: newId('cmd'),
        gateId: c.req.param('id'),
        account,
        action,
        reason,
        via: 'http',
      });
      // A fresh id is never a repeat, so there is always a result.
      if (!result || result.ok) return c.json(result, 200);
      const { status, code } = OUTCOME_STATUS[result.outcome] ?? { status: 500, code: 'internal_error' };
      return c.json(errorBody(code, result.error ?? result.outcome, result), status);
    });
}

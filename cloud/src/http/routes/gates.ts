/** One gate: its status, its MQTT password, its deactivation, and commands to it. */
import { OpenAPIHono } from '@hono/zod-openapi';
import { gateCommandBody, newId } from '@parkinglot/shared';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { DomainContext } from '../../domain/context.js';
import { notFound } from '../../domain/errors.js';
import { deactivateGate, findGate, presentGate, rotateGatePassword } from '../../domain/facilities.js';
import type { GateCommander } from '../../gateway/gate-commander.js';
import type { GateStatus } from '../../gateway/gate-status.js';
import { type Env, requireStaff } from '../auth.js';
import { endpoint, idParams } from '../endpoint.js';
import { errorBody } from '../errors.js';
import { commandResultSchema, gatePasswordSchema, gateSchema, gateWithStatusSchema } from '../schemas.js';
import { readBody } from '../validate.js';
import { presentStatus } from './gate-status-view.js';

/** How each outcome of a command leaves the API (the command was recorded unless forbidden or invalid). */
const OUTCOME_STATUS: Record<string, { status: ContentfulStatusCode; code: string }> = {
  forbidden: { status: 403, code: 'forbidden' },
  invalid: { status: 404, code: 'gate_not_found' },
  offline: { status: 409, code: 'gate_offline' },
  refused: { status: 409, code: 'command_refused' },
  timeout: { status: 504, code: 'gate_timeout' },
  unavailable: { status: 503, code: 'unavailable' },
};

const tag = 'Gates';

export function gateRoutes(ctx: DomainContext, deps: { commander: GateCommander; status: GateStatus }) {
  const r = new OpenAPIHono<Env>();
  endpoint(
    r,
    {
      method: 'get',
      path: '/{id}',
      tag,
      summary: 'A gate with its live status',
      audience: 'viewer',
      params: idParams,
      ok: { status: 200, schema: gateWithStatusSchema, description: 'The gate' },
      errors: [400, 403, 404],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'viewer');
      const gate = await findGate(ctx.db, c.req.param('id')!);
      if (!gate) throw notFound('gate', c.req.param('id')!);
      return c.json({ ...presentGate(gate), status: presentStatus(deps.status.get(gate.id)) });
    },
  );
  endpoint(
    r,
    {
      method: 'post',
      path: '/{id}/password',
      tag,
      summary: 'Rotate the gate’s MQTT password',
      description: 'The new password is shown once. The gate’s MQTT session ends at once.',
      audience: 'admin',
      params: idParams,
      ok: { status: 200, schema: gatePasswordSchema, description: 'The new login' },
      errors: [400, 403, 404],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'admin');
      return c.json(await rotateGatePassword(ctx, c.req.param('id')!));
    },
  );
  endpoint(
    r,
    {
      method: 'post',
      path: '/{id}/deactivate',
      tag,
      summary: 'Deactivate the gate for good',
      description:
        'Its broker login is revoked at once (its session ends), its requests are denied and commands to it refused. Repeating it is harmless.',
      audience: 'admin',
      params: idParams,
      ok: { status: 200, schema: gateSchema, description: 'The gate, with `deactivatedAt`' },
      errors: [400, 403, 404],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'admin');
      const gate = await deactivateGate(ctx, c.req.param('id')!);
      deps.status.forget(gate.id);
      return c.json(gate);
    },
  );
  endpoint(
    r,
    {
      method: 'post',
      path: '/{id}/commands',
      tag,
      summary: 'Command the gate (audited)',
      description:
        'The same path as the console’s MQTT commands: checked, recorded (GateCommandIssued), sent to the gate signed with the account’s name, and its answer recorded (GateCommandAnswered).',
      audience: 'operator',
      params: idParams,
      body: gateCommandBody,
      ok: { status: 200, schema: commandResultSchema, description: 'The gate carried it out' },
      errors: [400, 403, 404, 409, 504],
    },
    async (c) => {
      const account = requireStaff(c.get('actor'), 'operator');
      const { action, reason } = await readBody(c, gateCommandBody);
      const result = await deps.commander.run({
        commandId: newId('cmd'),
        gateId: c.req.param('id')!,
        account,
        action,
        reason,
        via: 'http',
      });
      // A fresh id is never a repeat, so there is always a result.
      if (!result || result.ok) return c.json(result, 200);
      const { status, code } = OUTCOME_STATUS[result.outcome] ?? { status: 500, code: 'internal_error' };
      return c.json(errorBody(code, result.error ?? result.outcome, result), status);
    },
  );
  return r;
}

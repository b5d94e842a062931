import { OpenAPIHono } from '@hono/zod-openapi';
import type { DomainContext } from '../../domain/context.js';
import { retireSpace } from '../../domain/facilities.js';
import { type Env, requireStaff } from '../auth.js';
import { endpoint, idParams } from '../endpoint.js';
import { spaceSchema } from '../schemas.js';

export function spaceRoutes(ctx: DomainContext) {
  const r = new OpenAPIHono<Env>();
  endpoint(
    r,
    {
      method: 'post',
      path: '/{id}/retire',
      tag: 'Facilities',
      summary: 'Retire a space for good',
      description:
        'Only an available space: one reserved or occupied is a 409 `space_in_use`. It can no longer be reserved and leaves the schedule. Repeating it is harmless.',
      audience: 'admin',
      params: idParams,
      ok: { status: 200, schema: spaceSchema, description: 'The space, `retired`' },
      errors: [400, 403, 404, 409],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'admin');
      return c.json(await retireSpace(ctx, c.req.param('id')!));
    },
  );
  return r;
}

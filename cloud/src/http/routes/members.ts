import { createMemberBody } from '@parkinglot/shared';
import { Hono } from 'hono';
import type { DomainContext } from '../../domain/context.js';
import { forbidden } from '../../domain/errors.js';
import { getMember, registerMember } from '../../domain/members.js';
import { type Env, requireStaff } from '../auth.js';
import { readBody } from '../validate.js';

export function memberRoutes(ctx: DomainContext) {
  return new Hono<Env>()
    .post('/', async (c) => {
      requireStaff(c.get('actor'), 'admin');
      return c.json(await registerMember(ctx, await readBody(c, createMemberBody)), 201);
    })
    .get('/:id', async (c) => {
      const actor = c.get('actor');
      const id = c.req.param('id');
      if (actor.role === 'member' && actor.memberId !== id)
        throw forbidden('members can look up only themselves');
      if (actor.role === 'staff') requireStaff(actor, 'viewer');
      return c.json(await getMember(ctx, id));
    });
}

/** Members: registration, the list (searchable by plate, tag or name), a member, and their plates and tags. */
import { OpenAPIHono } from '@hono/zod-openapi';
import { createMemberBody, plateField, rfidField } from '@parkinglot/shared';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { forbidden } from '../../domain/errors.js';
import { listMembers } from '../../domain/listings.js';
import { changeCredentials, getMember, registerMember } from '../../domain/members.js';
import { type Env, requireStaff } from '../auth.js';
import { endpoint, idParams } from '../endpoint.js';
import { page, pageOf, pageQuery } from '../paging.js';
import {
  memberSchema,
  memberSummarySchema,
  pageOf as pageSchema,
  registeredMemberSchema,
} from '../schemas.js';
import { readBody, readQuery } from '../validate.js';

const tag = 'Members';

export const membersQuery = pageQuery.extend({
  plate: plateField
    .optional()
    .meta({ description: 'The member holding this plate (normalised as everywhere)' }),
  rfid: rfidField.optional().meta({ description: 'The member holding this RFID tag' }),
  name: z.string().trim().min(1).max(120).optional().meta({ description: 'Names starting with this' }),
});

export const credentialsBody = z.object({
  plates: createMemberBody.shape.plates,
  rfidTags: createMemberBody.shape.rfidTags,
});

export function memberRoutes(ctx: DomainContext) {
  const r = new OpenAPIHono<Env>();
  endpoint(
    r,
    {
      method: 'get',
      path: '/',
      tag,
      summary: 'List or find members',
      audience: 'viewer',
      query: membersQuery,
      ok: {
        status: 200,
        schema: pageSchema(memberSummarySchema, 'MemberSummary'),
        description: 'A page of members',
      },
      errors: [400, 403],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'viewer');
      const q = readQuery(c, membersQuery);
      return c.json(page(await listMembers(ctx.db, q, pageOf(q, 1)), q.limit));
    },
  );
  endpoint(
    r,
    {
      method: 'post',
      path: '/',
      tag,
      summary: 'Register a member',
      description: 'The answer holds the member’s token, shown only here.',
      audience: 'admin',
      body: createMemberBody,
      ok: { status: 201, schema: registeredMemberSchema, description: 'The new member' },
      errors: [400, 403, 409],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'admin');
      return c.json(await registerMember(ctx, await readBody(c, createMemberBody)), 201);
    },
  );
  endpoint(
    r,
    {
      method: 'get',
      path: '/{id}',
      tag,
      summary: 'Check a member',
      description: 'Who they are, what they hold, and whether a car of theirs is inside.',
      audience: 'member or viewer',
      params: idParams,
      ok: { status: 200, schema: memberSchema, description: 'The member' },
      errors: [400, 403, 404],
    },
    async (c) => {
      const actor = c.get('actor');
      const id = c.req.param('id')!;
      if (actor.role === 'member' && actor.memberId !== id)
        throw forbidden('members can look up only themselves');
      if (actor.role === 'staff') requireStaff(actor, 'viewer');
      return c.json(await getMember(ctx, id));
    },
  );
  endpoint(
    r,
    {
      method: 'put',
      path: '/{id}/credentials',
      tag,
      summary: 'Replace a member’s plates and RFID tags',
      description:
        'Entry decisions see the change at once. A plate or tag that a live reservation or a car inside rests on cannot be removed (409 `credential_in_use`).',
      audience: 'admin',
      params: idParams,
      body: credentialsBody,
      ok: {
        status: 200,
        schema: memberSummarySchema.omit({ createdAt: true }),
        description: 'The member’s credentials now',
      },
      errors: [400, 403, 404, 409],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'admin');
      return c.json(await changeCredentials(ctx, c.req.param('id')!, await readBody(c, credentialsBody)));
    },
  );
  return r;
}

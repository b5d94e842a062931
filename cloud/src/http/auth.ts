/**
 * Bearer tokens: an operator account's (the first admin's is the configured operator token), or a
 * member's token issued at registration. No request without a valid token reaches the domain.
 *
 * Operator accounts are looked up on every request, never cached: one may be disabled or rotated
 * on another instance at any moment, and its token must stop working there at once.
 */

import type { OperatorRole } from '@parkinglot/shared';
import { createMiddleware } from 'hono/factory';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { DomainError, forbidden } from '../domain/errors.js';
import { memberIdByToken } from '../domain/members.js';
import { accountByToken, requireRole, type StaffAccount } from '../domain/operators.js';
import type { Actor } from '../domain/reservations.js';

export type Env = { Variables: { actor: Actor } };

/** Known member tokens kept in memory, at most this many; a miss is not kept (the member may be new). */
const TOKEN_CACHE_SIZE = 100_000;

export function authenticate(db: Kysely<Database>, firstAdmin: { token: string; account: StaffAccount }) {
  // A member's token never changes and is never revoked once issued, so a token found is found for
  // good; this spares a query on every member request. Anything that ever revokes a token must clear it.
  const members = new Map<string, string>();
  const memberOf = async (token: string) => {
    const found = await memberIdByToken(db, token);
    if (found) {
      if (members.size >= TOKEN_CACHE_SIZE) members.clear();
      members.set(token, found);
    }
    return found;
  };
  return createMiddleware<Env>(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new DomainError('unauthorized', 'send Authorization: Bearer <token>', 401);
    const token = match[1]!;
    const known = members.get(token);
    const account = known ? null : await accountByToken(db, token, firstAdmin);
    if (known) {
      c.set('actor', { role: 'member', memberId: known });
    } else if (account) {
      c.set('actor', { role: 'staff', account });
    } else {
      const memberId = await memberOf(token);
      if (!memberId) throw new DomainError('unauthorized', 'the token is not valid', 401);
      c.set('actor', { role: 'member', memberId });
    }
    await next();
  });
}

/** The operator account acting, if it holds `role` (viewer < operator < admin); else a 403. */
export function requireStaff(actor: Actor, role: OperatorRole): StaffAccount {
  if (actor.role !== 'staff') throw forbidden('this call is for operators');
  requireRole(actor.account, role);
  return actor.account;
}

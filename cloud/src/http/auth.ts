/**
 * Bearer tokens: the operator token from the configuration, or a member's token issued at
 * registration. No request without a valid token reaches the domain.
 */
import { createMiddleware } from 'hono/factory';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { DomainError, forbidden } from '../domain/errors.js';
import { memberIdByToken } from '../domain/members.js';
import type { Actor } from '../domain/reservations.js';
import { sameSecret } from '../util/secrets.js';

export type Env = { Variables: { actor: Actor } };

/** Known member tokens kept in memory, at most this many; a miss is not kept (the member may be new). */
const TOKEN_CACHE_SIZE = 100_000;

export function authenticate(db: Kysely<Database>, operatorToken: string) {
  // A member's token never changes and is never revoked once issued, so a token found is found for
  // good; this spares a query on every member request. Anything that ever revokes a token must clear it.
  const members = new Map<string, string>();
  const memberOf = async (token: string) => {
    const cached = members.get(token);
    if (cached) return cached;
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
    if (sameSecret(token, operatorToken)) {
      c.set('actor', { role: 'operator' });
    } else {
      const memberId = await memberOf(token);
      if (!memberId) throw new DomainError('unauthorized', 'the token is not valid', 401);
      c.set('actor', { role: 'member', memberId });
    }
    await next();
  });
}

export function requireOperator(actor: Actor): void {
  if (actor.role !== 'operator') throw forbidden('this call is for operators');
}

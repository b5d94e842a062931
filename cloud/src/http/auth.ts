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

export function authenticate(db: Kysely<Database>, operatorToken: string) {
  return createMiddleware<Env>(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new DomainError('unauthorized', 'send Authorization: Bearer <token>', 401);
    const token = match[1]!;
    if (sameSecret(token, operatorToken)) {
      c.set('actor', { role: 'operator' });
    } else {
      const memberId = await memberIdByToken(db, token);
      if (!memberId) throw new DomainError('unauthorized', 'the token is not valid', 401);
      c.set('actor', { role: 'member', memberId });
    }
    await next();
  });
}

export function requireOperator(actor: Actor): void {
  if (actor.role !== 'operator') throw forbidden('this call is for operators');
}

/** Members, their plates and RFID tags, and their API tokens. */

import { newId } from '@parkinglot/shared';
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../db/errors.js';
import { type Database, LIVE, OPEN } from '../db/schema.js';
import { hashSecret, newSecret } from '../util/secrets.js';
import { iso } from '../util/time.js';
import type { DomainContext } from './context.js';
import { conflict, notFound } from './errors.js';
import { commit } from './unit-of-work.js';

export interface NewMember {
  name: string;
  /** Already normalised. */
  plates: string[];
  rfidTags: string[];
}

export async function registerMember(ctx: DomainContext, input: NewMember) {
  const token = newSecret();
  const plates = [...new Set(input.plates)];
  const rfidTags = [...new Set(input.rfidTags)];
  try {
    return await commit(ctx, async (trx, now) => {
      const id = newId('mem');
      await trx
        .insertInto('members')
        .values({ id, name: input.name, token_hash: hashSecret(token), created_at: iso(now) })
        .execute();
      const credentials = [
        ...plates.map((value) => ({ kind: 'plate' as const, value, member_id: id })),
        ...rfidTags.map((value) => ({ kind: 'rfid' as const, value, member_id: id })),
      ];
      await trx.insertInto('member_credentials').values(credentials).execute();
      return {
        result: { id, name: input.name, plates, rfidTags, token },
        events: [
          {
            type: 'MemberRegistered',
            aggregateType: 'member',
            aggregateId: id,
            facilityId: null,
            data: { memberId: id, name: input.name, plates, rfidTags },
          },
        ],
      };
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw conflict('credential_taken', 'one of these plates or RFID tags already belongs to a member');
    }
    throw error;
  }
}

export async function memberIdByToken(db: Kysely<Database>, token: string): Promise<string | null> {
  const row = await db
    .selectFrom('members')
    .select('id')
    .where('token_hash', '=', hashSecret(token))
    .executeTakeFirst();
  return row?.id ?? null;
}

export async function memberIdByCredential(
  db: Kysely<Database>,
  kind: 'plate' | 'rfid',
  value: string,
): Promise<string | null> {
  const row = await db
    .selectFrom('member_credentials')
    .select('member_id')
    .where('kind', '=', kind)
    .where('value', '=', value)
    .executeTakeFirst();
  return row?.member_id ?? null;
}

/** "Checking a member": who they are, what they hold, whether a car of theirs is inside. */
export async function getMember(ctx: DomainContext, memberId: string) {
  const member = await ctx.db
    .selectFrom('members')
    .select(['id', 'name', 'created_at'])
    .where('id', '=', memberId)
    .executeTakeFirst();
  if (!member) throw notFound('member', memberId);
  const [credentials, reservations, sessions] = await Promise.all([
    ctx.db
      .selectFrom('member_credentials')
      .select(['kind', 'value'])
      .where('member_id', '=', memberId)
      .execute(),
    ctx.db
      .selectFrom('reservations')
      .select(['id', 'space_id', 'facility_id', 'plate', 'status', 'hold_until', 'created_at'])
      .where('member_id', '=', memberId)
      .where('status', 'in', LIVE)
      .orderBy('created_at')
      .execute(),
    ctx.db
      .selectFrom('parking_sessions')
      .select(['id', 'facility_id', 'space_id', 'plate', 'started_at'])
      .where('member_id', '=', memberId)
      .where('status', '=', OPEN)
      .execute(),
  ]);
  return {
    id: member.id,
    name: member.name,
    createdAt: member.created_at,
    plates: credentials.filter((c) => c.kind === 'plate').map((c) => c.value),
    rfidTags: credentials.filter((c) => c.kind === 'rfid').map((c) => c.value),
    activeReservations: reservations.map((r) => ({
      id: r.id,
      spaceId: r.space_id,
      facilityId: r.facility_id,
      plate: r.plate,
      status: r.status,
      holdUntil: r.hold_until,
    })),
    openSessions: sessions.map((s) => ({
      id: s.id,
      facilityId: s.facility_id,
      spaceId: s.space_id,
      plate: s.plate,
      startedAt: s.started_at,
    })),
  };
}

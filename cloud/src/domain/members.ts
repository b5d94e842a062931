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

/**
 * Replaces a member's plates and RFID tags. Entry decisions see the change as it commits (the
 * admission view follows MemberCredentialsChanged). A plate or tag that a live reservation or a car
 * inside still rests on cannot be taken away: cancel or end that first.
 */
export async function changeCredentials(
  ctx: DomainContext,
  memberId: string,
  input: Omit<NewMember, 'name'>,
) {
  const plates = [...new Set(input.plates)];
  const rfidTags = [...new Set(input.rfidTags)];
  try {
    return await commit(ctx, async (trx) => {
      const member = await trx
        .selectFrom('members')
        .select(['id', 'name'])
        .where('id', '=', memberId)
        .executeTakeFirst();
      if (!member) throw notFound('member', memberId);
      const before = await trx
        .selectFrom('member_credentials')
        .select(['kind', 'value'])
        .where('member_id', '=', memberId)
        .execute();
      const kept = new Set([...plates.map((p) => `plate:${p}`), ...rfidTags.map((t) => `rfid:${t}`)]);
      const removed = before.filter((c) => !kept.has(`${c.kind}:${c.value}`));
      const removedPlates = removed.filter((c) => c.kind === 'plate').map((c) => c.value);
      if (removedPlates.length > 0) {
        const held = await trx
          .selectFrom('reservations')
          .select('plate')
          .where('member_id', '=', memberId)
          .where('status', 'in', LIVE)
          .where('plate', 'in', removedPlates)
          .executeTakeFirst();
        if (held) throw conflict('credential_in_use', `plate ${held.plate} holds a live reservation`);
      }
      for (const c of removed) {
        const inside = await trx
          .selectFrom('parking_sessions')
          .select('id')
          .where('credential_kind', '=', c.kind)
          .where('credential_value', '=', c.value)
          .where('status', '=', OPEN)
          .executeTakeFirst();
        if (inside) throw conflict('credential_in_use', `the car on ${c.kind} ${c.value} is inside`);
      }
      await trx.deleteFrom('member_credentials').where('member_id', '=', memberId).execute();
      const credentials = [
        ...plates.map((value) => ({ kind: 'plate' as const, value, member_id: memberId })),
        ...rfidTags.map((value) => ({ kind: 'rfid' as const, value, member_id: memberId })),
      ];
      await trx.insertInto('member_credentials').values(credentials).execute();
      return {
        result: { id: memberId, name: member.name, plates, rfidTags },
        events: [
          {
            type: 'MemberCredentialsChanged',
            aggregateType: 'member',
            aggregateId: memberId,
            facilityId: null,
            data: {
              memberId,
              plates,
              rfidTags,
              removed: removed.map((c) => ({ kind: c.kind, value: c.value })),
            },
          },
        ],
      };
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw conflict(
        'credential_taken',
        'one of these plates or RFID tags already belongs to another member',
      );
    }
    throw error;
  }
}

/**
 * Reservations: first come, first served (domain rule 2), cancellation (rule 3), hold expiry (rule 7).
 *
 * A space is claimed with one conditional UPDATE (`… WHERE status = 'available'`): whichever
 * transaction changes the row wins, every other sees zero rows changed and answers 409. That holds
 * on a single sqlite connection and under PostgreSQL's row locks alike; partial unique indexes on
 * live reservations stand behind it.
 */

import { newId } from '@parkinglot/shared';
import type { Transaction } from 'kysely';
import { isUniqueViolation, violates } from '../db/errors.js';
import { type Database, LIVE_PER_PLATE, NO_ADMISSION, type Reservation } from '../db/schema.js';
import { iso } from '../util/time.js';
import { type DomainContext, laneOf } from './context.js';
import { conflict, forbidden, invalid, notFound } from './errors.js';
import type { NewDomainEvent } from './event-log.js';
import { memberIdByCredential } from './members.js';
import type { StaffAccount } from './operators.js';
import { commit } from './unit-of-work.js';

/** Who asks: a signed-in operator account (staff) or a member. */
export type Actor = { role: 'staff'; account: StaffAccount } | { role: 'member'; memberId: string };

export function presentReservation(r: Reservation) {
  return {
    id: r.id,
    status: r.status,
    memberId: r.member_id,
    spaceId: r.space_id,
    facilityId: r.facility_id,
    plate: r.plate,
    createdAt: r.created_at,
    holdUntil: r.hold_until,
  };
}

export async function reserve(
  ctx: DomainContext,
  input: { memberId: string; spaceId: string; plate: string },
) {
  try {
    return await commit(ctx, async (trx, now) => {
      const space = await trx
        .selectFrom('spaces')
        .selectAll()
        .where('id', '=', input.spaceId)
        .executeTakeFirst();
      if (!space) throw notFound('space', input.spaceId);
      const owner = await memberIdByCredential(trx, 'plate', input.plate);
      if (owner !== input.memberId) {
        throw invalid('unknown_plate', `plate ${input.plate} is not registered to member ${input.memberId}`);
      }
      const claimed = await trx
        .updateTable('spaces')
        .set({ status: 'reserved', updated_at: iso(now) })
        .where('id', '=', space.id)
        .where('status', '=', 'available')
        .executeTakeFirst();
      if (claimed.numUpdatedRows === 0n) {
        throw conflict('space_unavailable', `space ${space.label} is ${space.status}`);
      }
      // One live reservation per plate is the unique index's to check, at the insert below: it holds
      // across concurrent transactions, where a read here would not, and costs no statement.

      const reservation: Reservation = {
        id: newId('res'),
        member_id: input.memberId,
        space_id: space.id,
        facility_id: space.facility_id,
        plate: input.plate,
        status: 'reserved',
        created_at: iso(now),
        updated_at: iso(now),
        hold_until: iso(now + ctx.settings.reservationHoldMs),
        ...NO_ADMISSION,
      };
      await trx.insertInto('reservations').values(reservation).execute();
      return {
        result: presentReservation(reservation),
        events: [
          {
            type: 'SpaceReserved',
            aggregateType: 'reservation',
            aggregateId: reservation.id,
            facilityId: space.facility_id,
            data: {
              reservationId: reservation.id,
              spaceId: space.id,
              memberId: input.memberId,
              plate: input.plate,
              holdUntil: reservation.hold_until,
            },
          },
        ],
      };
    });
  } catch (error) {
    if (violates(error, LIVE_PER_PLATE)) {
      throw conflict('plate_has_reservation', `plate ${input.plate} already holds a live reservation`);
    }
    // The space's own index, behind the conditional update above.
    if (isUniqueViolation(error)) throw conflict('space_unavailable', 'the space is already reserved');
    throw error;
  }
}

export async function getReservation(ctx: DomainContext, id: string, actor: Actor) {
  const r = await ctx.db.selectFrom('reservations').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw notFound('reservation', id);
  if (actor.role === 'member' && actor.memberId !== r.member_id)
    throw forbidden('this reservation is another member’s');
  return presentReservation(r);
}

/** Frees a reserved space: the conditional update keeps a concurrent reserve or cancel from racing it. */
async function release(
  trx: Transaction<Database>,
  r: Reservation,
  to: 'canceled' | 'expired',
  now: number,
  data: Record<string, unknown>,
): Promise<NewDomainEvent[]> {
  const changed = await trx
    .updateTable('reservations')
    .set({ status: to, updated_at: iso(now), ...NO_ADMISSION })
    .where('id', '=', r.id)
    .where('status', '=', 'reserved')
    .executeTakeFirst();
  if (changed.numUpdatedRows === 0n) return [];
  await trx
    .updateTable('spaces')
    .set({ status: 'available', updated_at: iso(now) })
    .where('id', '=', r.space_id)
    .where('status', '=', 'reserved')
    .execute();
  return [
    {
      type: to === 'canceled' ? 'ReservationCanceled' : 'ReservationExpired',
      aggregateType: 'reservation',
      aggregateId: r.id,
      facilityId: r.facility_id,
      data: { reservationId: r.id, spaceId: r.space_id, memberId: r.member_id, plate: r.plate, ...data },
    },
  ];
}

export async function cancel(ctx: DomainContext, reservationId: string, actor: Actor) {
  return commit(ctx, async (trx, now) => {
    const r = await trx
      .selectFrom('reservations')
      .selectAll()
      .where('id', '=', reservationId)
      .executeTakeFirst();
    if (!r) throw notFound('reservation', reservationId);
    if (actor.role === 'member' && actor.memberId !== r.member_id) {
      throw forbidden('only the member who holds a reservation, or an operator, can cancel it');
    }
    if (r.status === 'reserved' && r.admission_until !== null && r.admission_until > iso(now)) {
      // A car was just allowed in on it: freeing the space now would give it to someone else under that car.
      throw conflict(
        'admission_pending',
        `a car is entering on reservation ${r.id}; try again once it is in or gone`,
      );
    }
    const events =
      r.status === 'reserved'
        ? await release(
            trx,
            r,
            'canceled',
            now,
            actor.role === 'member' ? { by: 'member' } : { by: 'operator', operatorId: actor.account.id },
          )
        : [];
    if (events.length === 0) {
      throw conflict(
        'not_cancellable',
        `reservation ${r.id} is ${r.status}; only a reserved one can be canceled`,
      );
    }
    return { result: { id: r.id, status: 'canceled' as const }, events };
  });
}

/**
 * Expires reservations whose hold has passed (domain rule 7). One whose car was just allowed in is
 * left until its admission window closes, so a car on its way through the barrier keeps its space.
 */
export async function expireDue(ctx: DomainContext, batch = 100): Promise<number> {
  const now = iso(ctx.clock.now());
  // A sweep waits behind what members and gates are waiting for.
  const due = await laneOf(ctx, 'background')
    .selectFrom('reservations')
    .selectAll()
    .where('status', '=', 'reserved')
    .where('hold_until', '<=', now)
    .where((eb) => eb.or([eb('admission_until', 'is', null), eb('admission_until', '<=', now)]))
    .orderBy('hold_until')
    .limit(batch)
    .execute();
  let expired = 0;
  for (const r of due) {
    // release() changes nothing (and returns no event) for one that was used or cancelled meanwhile.
    const events = await commit(
      ctx,
      async (trx, at) => {
        const events = await release(trx, r, 'expired', at, { holdUntil: r.hold_until });
        return { result: events, events };
      },
      'background',
    );
    expired += events.length;
  }
  return expired;
}

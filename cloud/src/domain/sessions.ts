/** Parking sessions: Started opens one (domain rule 5), Ended closes it (rule 6). */
import { type Credential, type GateEvent, newId } from '@parkinglot/shared';
import type { Kysely, Transaction } from 'kysely';
import { type Database, type Gate, NO_ADMISSION, OPEN, type ParkingSession } from '../db/schema.js';
import { iso } from '../util/time.js';
import type { NewDomainEvent } from './event-log.js';
import { memberIdByCredential } from './members.js';

type Trx = Transaction<Database>;

/**
 * The open session of the car this credential identifies, at any facility (anti-passback); a plate
 * also matches a session opened by tag.
 */
export async function findOpenSession(
  trx: Kysely<Database>,
  cred: Credential,
  /** Only sessions that count at this facility for anti-passback (entry-rules.ts countsAt). */
  countingAt?: string,
): Promise<ParkingSession | undefined> {
  let query = trx.selectFrom('parking_sessions').selectAll().where('id', 'in', openSessionIds(trx, cred));
  if (countingAt !== undefined) {
    query = query.where((eb) =>
      eb.or([eb('reservation_id', 'is not', null), eb('facility_id', '=', countingAt)]),
    );
  }
  return query.orderBy('started_at').executeTakeFirst();
}

/**
 * The ids of the open sessions this credential identifies. Two index lookups rather than one OR:
 * sqlite cannot serve `plate = ? OR (kind, value) = ?` from the two partial indexes and would scan
 * every open session (~1 ms at 10,000 cars inside).
 */
function openSessionIds(trx: Kysely<Database>, cred: Credential) {
  const byCredential = trx
    .selectFrom('parking_sessions')
    .select('id')
    .where('status', '=', OPEN)
    .where('credential_kind', '=', cred.kind)
    .where('credential_value', '=', cred.value);
  return cred.kind === 'plate'
    ? byCredential.unionAll(
        trx
          .selectFrom('parking_sessions')
          .select('id')
          .where('status', '=', OPEN)
          .where('plate', '=', cred.value),
      )
    : byCredential;
}

/**
 * At an exit, a tag that opened nothing matches its member's one car inside (a car that came in on
 * its plate and leaves on its tag; two cars: no match). Anti-passback does not use this, since a
 * member with two cars may bring in the second on the same tag.
 */
async function onlyCarOfTagOwner(
  trx: Kysely<Database>,
  cred: Credential,
  facilityId: string,
): Promise<ParkingSession | undefined> {
  const owner = await memberIdByCredential(trx, 'rfid', cred.value);
  if (!owner) return undefined;
  const byMember = await trx
    .selectFrom('parking_sessions')
    .selectAll()
    .where('status', '=', OPEN)
    .where('member_id', '=', owner)
    .where('facility_id', '=', facilityId)
    .limit(2)
    .execute();
  return byMember.length === 1 ? byMember[0] : undefined;
}

export async function openSession(
  trx: Trx,
  gate: Gate,
  event: GateEvent,
  cred: Credential,
  memberId: string | null,
  reservation: { id: string; space_id: string; plate: string } | undefined,
  now: number,
): Promise<{ session: ParkingSession; events: NewDomainEvent[] }> {
  const session: ParkingSession = {
    id: newId('ses'),
    reservation_id: reservation?.id ?? null,
    member_id: memberId,
    facility_id: gate.facility_id,
    space_id: reservation?.space_id ?? null,
    credential_kind: cred.kind,
    credential_value: cred.value,
    plate: reservation?.plate ?? (cred.kind === 'plate' ? cred.value : null),
    status: 'open',
    entry_gate_id: gate.id,
    entry_event_id: event.eventId,
    started_at: event.at,
    exit_gate_id: null,
    exit_event_id: null,
    ended_at: null,
  };
  await trx.insertInto('parking_sessions').values(session).execute();
  if (reservation) {
    await trx
      .updateTable('reservations')
      .set({ status: 'in_use', ...NO_ADMISSION, updated_at: iso(now) })
      .where('id', '=', reservation.id)
      .where('status', '=', 'reserved')
      .execute();
    await trx
      .updateTable('spaces')
      .set({ status: 'occupied', updated_at: iso(now) })
      .where('id', '=', reservation.space_id)
      .execute();
  }
  return {
    session,
    events: [
      {
        type: 'ParkingStarted',
        aggregateType: 'session',
        aggregateId: session.id,
        facilityId: gate.facility_id,
        data: {
          sessionId: session.id,
          reservationId: session.reservation_id,
          spaceId: session.space_id,
          memberId,
          plate: session.plate,
          credential: cred,
          gateId: gate.id,
          eventId: event.eventId,
          at: event.at,
        },
      },
    ],
  };
}

/**
 * Domain rule 6 for an Ended at `gate`: closes the car's open session at that facility, the earliest
 * one its credential identifies, else its tag owner's one car inside. The common case is found and
 * closed in one statement. Null: no session to close.
 */
export async function closeOpenSession(
  trx: Trx,
  cred: Credential,
  gate: Gate,
  event: Pick<GateEvent, 'eventId' | 'at'>,
  now: number,
): Promise<NewDomainEvent[] | null> {
  const closed = await trx
    .updateTable('parking_sessions')
    .set(closing(gate, event))
    .where(
      'id',
      '=',
      trx
        .selectFrom('parking_sessions')
        .select('id')
        .where('id', 'in', openSessionIds(trx, cred))
        .where('facility_id', '=', gate.facility_id)
        .orderBy('started_at')
        .limit(1),
    )
    .returningAll()
    .executeTakeFirst();
  if (closed) return afterClosing(trx, closed, gate, event, now);
  if (cred.kind === 'plate') return null;
  const session = await onlyCarOfTagOwner(trx, cred, gate.facility_id);
  return session ? closeSession(trx, session, gate, event, now) : null;
}

export async function closeSession(
  trx: Trx,
  session: ParkingSession,
  gate: Gate,
  event: Pick<GateEvent, 'eventId' | 'at'>,
  now: number,
): Promise<NewDomainEvent[]> {
  await trx.updateTable('parking_sessions').set(closing(gate, event)).where('id', '=', session.id).execute();
  return afterClosing(trx, session, gate, event, now);
}

function closing(gate: Gate, event: Pick<GateEvent, 'eventId' | 'at'>) {
  return {
    status: 'closed' as const,
    exit_gate_id: gate.id,
    exit_event_id: event.eventId,
    ended_at: event.at,
  };
}

/** What follows a closed session: its reservation completed, its space free, and ParkingEnded. */
async function afterClosing(
  trx: Trx,
  session: ParkingSession,
  gate: Gate,
  event: Pick<GateEvent, 'eventId' | 'at'>,
  now: number,
): Promise<NewDomainEvent[]> {
  if (session.reservation_id) {
    await trx
      .updateTable('reservations')
      .set({ status: 'completed', updated_at: iso(now) })
      .where('id', '=', session.reservation_id)
      .where('status', '=', 'in_use')
      .execute();
  }
  if (session.space_id) {
    await trx
      .updateTable('spaces')
      .set({ status: 'available', updated_at: iso(now) })
      .where('id', '=', session.space_id)
      .where('status', '=', 'occupied')
      .execute();
  }
  return [
    {
      type: 'ParkingEnded',
      aggregateType: 'session',
      aggregateId: session.id,
      facilityId: session.facility_id,
      data: {
        sessionId: session.id,
        reservationId: session.reservation_id,
        spaceId: session.space_id,
        memberId: session.member_id,
        plate: session.plate,
        gateId: gate.id,
        eventId: event.eventId,
        startedAt: session.started_at,
        at: event.at,
      },
    },
  ];
}

/**
 * Takes the credential's turn: the first write of a transaction that decides on its sessions (an
 * allow, a Started), so that two such transactions on one credential never both commit from the
 * same snapshot (migration 005). On sqlite, which runs one transaction at a time, it costs a write.
 */
export async function takeTurn(
  trx: Transaction<Database>,
  kind: 'plate' | 'rfid',
  value: string,
): Promise<void> {
  await trx
    .insertInto('credential_turns')
    .values({ kind, value, turns: 1 })
    .onConflict((oc) =>
      oc.columns(['kind', 'value']).doUpdateSet((eb) => ({ turns: eb('credential_turns.turns', '+', 1) })),
    )
    .execute();
}

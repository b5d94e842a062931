/**
 * The lists an operator and a member read: facilities, gates, members, reservations, gate events.
 * Each is ordered by a unique key and read a page at a time from after a cursor (keyset paging,
 * http/paging.ts), so a page costs the same however deep it is.
 */
import type { ReservationStatus } from '@parkinglot/shared';
import type { Kysely } from 'kysely';
import { type Database, LIVE, OPEN } from '../db/schema.js';
import { presentGate } from './facilities.js';
import { presentReservation } from './reservations.js';

export interface PageRequest {
  limit: number;
  /** The last row's key of the page before, or null for the first page. */
  after: string[] | null;
}

export async function listFacilities(db: Kysely<Database>, page: PageRequest) {
  let q = db.selectFrom('facilities').selectAll();
  if (page.after) q = q.where('id', '>', page.after[0]!);
  const rows = await q
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
  return {
    rows: rows.map((f) => ({ id: f.id, name: f.name, createdAt: f.created_at })),
    key: (f: { id: string }) => [f.id],
  };
}

export async function listGates(db: Kysely<Database>, facilityId: string, page: PageRequest) {
  let q = db.selectFrom('gates').selectAll().where('facility_id', '=', facilityId);
  if (page.after) q = q.where('id', '>', page.after[0]!);
  const rows = await q
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
  return { rows: rows.map(presentGate), key: (g: { id: string }) => [g.id] };
}

/** Members by id; with `plate` or `rfid`, the one member holding it (normalised by the caller). */
export async function listMembers(
  db: Kysely<Database>,
  filter: { plate?: string; rfid?: string; name?: string },
  page: PageRequest,
) {
  let q = db.selectFrom('members').select(['id', 'name', 'created_at']);
  for (const [kind, value] of [
    ['plate', filter.plate],
    ['rfid', filter.rfid],
  ] as const) {
    if (value === undefined) continue;
    q = q.where('id', 'in', (eb) =>
      eb
        .selectFrom('member_credentials')
        .select('member_id')
        .where('kind', '=', kind)
        .where('value', '=', value),
    );
  }
  // A name's start, as a person types it; case as stored.
  if (filter.name) q = q.where('name', '>=', filter.name).where('name', '<', `${filter.name}\uffff`);
  if (page.after) q = q.where('id', '>', page.after[0]!);
  const members = await q
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
  const credentials =
    members.length === 0
      ? []
      : await db
          .selectFrom('member_credentials')
          .select(['member_id', 'kind', 'value'])
          .where(
            'member_id',
            'in',
            members.map((m) => m.id),
          )
          .execute();
  return {
    rows: members.map((m) => {
      const own = credentials.filter((c) => c.member_id === m.id);
      return {
        id: m.id,
        name: m.name,
        createdAt: m.created_at,
        plates: own.filter((c) => c.kind === 'plate').map((c) => c.value),
        rfidTags: own.filter((c) => c.kind === 'rfid').map((c) => c.value),
      };
    }),
    key: (m: { id: string }) => [m.id],
  };
}

/** Reservations newest first, by facility, member and status. */
export async function listReservations(
  db: Kysely<Database>,
  filter: { facilityId?: string; memberId?: string; status?: ReservationStatus | 'live' },
  page: PageRequest,
) {
  let q = db.selectFrom('reservations').selectAll();
  if (filter.facilityId) q = q.where('facility_id', '=', filter.facilityId);
  if (filter.memberId) q = q.where('member_id', '=', filter.memberId);
  if (filter.status === 'live') q = q.where('status', 'in', LIVE);
  else if (filter.status) q = q.where('status', '=', filter.status);
  if (page.after) {
    const [at, id] = page.after as [string, string];
    q = q.where((eb) =>
      eb.or([eb('created_at', '<', at), eb.and([eb('created_at', '=', at), eb('id', '<', id)])]),
    );
  }
  const rows = await q
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit + 1)
    .execute();
  return {
    rows: rows.map(presentReservation),
    key: (r: { createdAt: string; id: string }) => [r.createdAt, r.id],
  };
}

export async function currentSession(db: Kysely<Database>, memberId: string) {
  const s = await db
    .selectFrom('parking_sessions')
    .select(['id', 'facility_id', 'space_id', 'plate', 'started_at'])
    .where('member_id', '=', memberId)
    .where('status', '=', OPEN)
    .orderBy('started_at', 'desc')
    .executeTakeFirst();
  return s
    ? { id: s.id, facilityId: s.facility_id, spaceId: s.space_id, plate: s.plate, startedAt: s.started_at }
    : null;
}

/** What gates reported, newest first (received), by gate, facility and type: ManualOpen and the like. */
export async function listGateEvents(
  db: Kysely<Database>,
  filter: { gateId?: string; facilityId?: string; type?: string },
  page: PageRequest,
) {
  let q = db.selectFrom('gate_events').selectAll();
  if (filter.gateId) q = q.where('gate_id', '=', filter.gateId);
  if (filter.facilityId) q = q.where('facility_id', '=', filter.facilityId);
  if (filter.type) q = q.where('type', '=', filter.type);
  // An event is known by its gate and its id (migration 003): both are in the key.
  if (page.after) {
    const [at, gate, id] = page.after as [string, string, string];
    q = q.where((eb) =>
      eb.or([
        eb('received_at', '<', at),
        eb.and([eb('received_at', '=', at), eb('gate_id', '<', gate)]),
        eb.and([eb('received_at', '=', at), eb('gate_id', '=', gate), eb('event_id', '<', id)]),
      ]),
    );
  }
  const rows = await q
    .orderBy('received_at', 'desc')
    .orderBy('gate_id', 'desc')
    .orderBy('event_id', 'desc')
    .limit(page.limit + 1)
    .execute();
  return {
    rows: rows.map((r) => ({
      eventId: r.event_id,
      gateId: r.gate_id,
      facilityId: r.facility_id,
      type: r.type,
      credential:
        r.credential_kind && r.credential_value
          ? { kind: r.credential_kind, value: r.credential_value }
          : null,
      reservationId: r.reservation_id,
      occurredAt: r.occurred_at,
      receivedAt: r.received_at,
      outcome: r.outcome,
      anomaly: r.anomaly,
      detail: detailOf(r.payload),
    })),
    key: (e: { receivedAt: string; gateId: string; eventId: string }) => [e.receivedAt, e.gateId, e.eventId],
  };
}

function detailOf(payload: string): Record<string, unknown> | null {
  try {
    const detail = (JSON.parse(payload) as { detail?: unknown }).detail;
    return detail && typeof detail === 'object' && !Array.isArray(detail)
      ? (detail as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

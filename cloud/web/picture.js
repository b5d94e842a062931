// What the live view shows, as data: each facility with its spaces and gates, and the latest domain
// events. Domain events are applied as the schedule projector applies them
// (cloud/src/projection/schedule-projector.ts), so a snapshot of the schedule plus the events after
// it gives the picture the schedule will show. No DOM here: it is tested in Node against the projector.

export const FEED_SIZE = 50;

export function emptyPicture() {
  return { facilities: new Map(), feed: [], seen: new Set(), lastSeq: 0 };
}

/** A space as the schedule API gives it. */
export function spaceFrom(s) {
  return {
    id: s.id,
    label: s.label,
    floor: s.floor,
    status: s.status,
    reservationId: s.reservationId ?? null,
    plate: s.plate ?? null,
    sessionId: s.sessionId ?? null,
    since: s.status === 'occupied' ? s.occupiedSince : s.status === 'reserved' ? s.reservedAt : null,
  };
}

function free(space) {
  space.status = 'available';
  space.reservationId = null;
  space.plate = null;
  space.sessionId = null;
  space.since = null;
}

function spaceWhere(picture, predicate) {
  for (const f of picture.facilities.values()) for (const s of f.spaces.values()) if (predicate(s)) return s;
  return null;
}

/** Keeps the event in the feed (newest first, FEED_SIZE of them), once. */
export function remember(picture, event) {
  if (picture.seen.has(event.seq)) return;
  picture.seen.add(event.seq);
  picture.feed.push(event);
  picture.feed.sort((a, b) => b.seq - a.seq);
  for (const dropped of picture.feed.splice(FEED_SIZE)) picture.seen.delete(dropped.seq);
}

/**
 * Applies one domain event; answers 'reload' when the picture cannot follow it by itself (a new
 * facility or gate: their names and status come from the API).
 */
export function applyEvent(picture, event) {
  const d = event.data ?? {};
  remember(picture, event);
  picture.lastSeq = Math.max(picture.lastSeq, event.seq);
  switch (event.type) {
    case 'FacilityRegistered':
    case 'GateRegistered':
    case 'GateDeactivated':
      return 'reload';
    case 'SpaceAdded': {
      const f = picture.facilities.get(event.facilityId);
      if (!f) return 'reload';
      if (!f.spaces.has(event.aggregateId)) {
        f.spaces.set(
          event.aggregateId,
          spaceFrom({ id: event.aggregateId, label: d.label, floor: d.floor, status: 'available' }),
        );
      }
      return null;
    }
    case 'SpaceRetired':
      for (const f of picture.facilities.values()) f.spaces.delete(event.aggregateId);
      return null;
    case 'SpaceReserved': {
      const s = spaceWhere(picture, (x) => x.id === d.spaceId);
      if (s)
        Object.assign(s, {
          status: 'reserved',
          reservationId: d.reservationId,
          plate: d.plate,
          since: event.occurredAt,
        });
      return null;
    }
    case 'ReservationCanceled':
    case 'ReservationExpired': {
      const s = spaceWhere(picture, (x) => x.reservationId === d.reservationId);
      if (s) free(s);
      return null;
    }
    case 'ParkingStarted': {
      const s = d.spaceId ? spaceWhere(picture, (x) => x.id === d.spaceId) : null;
      if (s)
        Object.assign(s, { status: 'occupied', sessionId: d.sessionId, since: d.at ?? event.occurredAt });
      return null;
    }
    case 'ParkingEnded': {
      const s = d.spaceId ? spaceWhere(picture, (x) => x.id === d.spaceId) : null;
      if (s && s.sessionId === d.sessionId) free(s);
      return null;
    }
    default:
      return null;
  }
}

/** A gate's reported status changed (`event: gate` on the stream). */
export function applyGate(picture, { gateId, status }) {
  for (const f of picture.facilities.values()) {
    const gate = f.gates.get(gateId);
    if (gate) gate.status = status;
  }
}

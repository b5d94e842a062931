/**
 * Gate event ingestion. Each event is applied at most once (its gate and eventId are the key of `gate_events`),
 * in its own transaction together with the domain events it causes; the caller acks only what this
 * returns as applied, after the commit. Events that cannot be applied as they stand (an Ended with
 * no open session, a Started without a reservation) are kept as anomalies, never dropped.
 */

import {
  type Credential,
  describeZodError,
  type GateEvent,
  gateEventSchema,
  MAX_EVENT_BATCH,
  MAX_EVENTS_PAYLOAD_BYTES,
  normalizeCredential,
  parseJsonPayload,
  readIdField,
} from '@parkinglot/shared';
import type { Transaction } from 'kysely';
import { isUniqueViolation } from '../db/errors.js';
import { ANOMALY, type Database, type Gate, NO_ADMISSION } from '../db/schema.js';
import { iso } from '../util/time.js';
import type { DomainContext } from './context.js';
import type { NewDomainEvent } from './event-log.js';
import { BatchRecord } from './gate-event-batch.js';
import { memberIdByCredential } from './members.js';
import { closeOpenSession, closeSession, findOpenSession, openSession, takeTurn } from './sessions.js';
import { commit } from './unit-of-work.js';

type Trx = Transaction<Database>;
type Outcome = { outcome: 'applied' | 'recorded' | 'anomaly'; anomaly?: string; events: NewDomainEvent[] };

export interface IngestResult {
  /** Durably applied (or applied before): the edge may delete these. */
  acked: string[];
  /** Will never be applied: the edge should set them aside. */
  rejected: { eventId: string; error: string }[];
  /** Items without a readable eventId, which cannot even be rejected by id. */
  unreadable: number;
  anomalies: number;
  /** The acked events by type. */
  byType: Record<string, number>;
  /** How far the gate's clock ran from the cloud's when it sent the batch, when past the tolerance. */
  clockSkewMs?: number;
}

/** A gate clock this far ahead of the cloud's is off: a message cannot arrive before it was sent. */
export const CLOCK_AHEAD_TOLERANCE_MS = 30_000;
/**
 * A gate clock behind the cloud's looks like a batch that took long to arrive (a broker backlog, a
 * busy instance): only this far behind is it taken to be the clock.
 */
export const CLOCK_BEHIND_TOLERANCE_MS = 5 * 60_000;

/**
 * How far the gate's clock is off, from the batch's `sentAt` (the gate's time when it sent it)
 * against when the cloud received it, or null when it is within the tolerances or the batch does
 * not say.
 */
export function clockSkew(batch: unknown, receivedAt: number): number | null {
  const sentAt = (batch as { sentAt?: unknown } | null)?.sentAt;
  if (typeof sentAt !== 'string' || sentAt.length > 40) return null;
  const at = Date.parse(sentAt);
  if (Number.isNaN(at)) return null;
  const skew = at - receivedAt;
  return skew > CLOCK_AHEAD_TOLERANCE_MS || skew < -CLOCK_BEHIND_TOLERANCE_MS ? skew : null;
}

/** Read past the protocol limits only to name the events an over-large message carried. */
const MAX_READABLE_BYTES = 4 * MAX_EVENTS_PAYLOAD_BYTES;

export async function ingestGateEvents(
  ctx: DomainContext,
  gate: Gate | undefined,
  payload: Uint8Array | string,
  /** When the message arrived, before any queue: what the gate's sentAt is compared with. */
  receivedAt?: number,
): Promise<IngestResult> {
  const result: IngestResult = { acked: [], rejected: [], unreadable: 0, anomalies: 0, byType: {} };
  const parsed = parseJsonPayload(payload, MAX_READABLE_BYTES);
  const batch = parsed.ok ? (parsed.value as { events?: unknown } | null)?.events : undefined;
  const items: unknown[] = !parsed.ok ? [] : Array.isArray(batch) ? batch : [parsed.value];
  if (!parsed.ok || items.length === 0) {
    result.unreadable += 1;
    return result;
  }
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  // Refused whole, but by id: an outbox that resends in order must hear why, or it is stuck.
  const refusal =
    size > MAX_EVENTS_PAYLOAD_BYTES || items.length > MAX_EVENT_BATCH
      ? `batch_too_large: at most ${MAX_EVENT_BATCH} events and ${MAX_EVENTS_PAYLOAD_BYTES} bytes per message`
      : !gate
        ? 'the gate is not registered'
        : null;
  const valid: GateEvent[] = [];
  for (const item of items) {
    const eventId = readIdField(item, 'eventId');
    const event = refusal === null ? gateEventSchema.safeParse(item) : null;
    if (!gate || !event?.success) {
      const error = refusal ?? (event && !event.success ? describeZodError(event.error) : 'invalid event');
      if (eventId) result.rejected.push({ eventId, error });
      else result.unreadable += 1;
      continue;
    }
    valid.push(event.data);
  }
  // A gate whose clock is off says so by its sentAt: its events are dated on the cloud's clock, the
  // gate's own time kept beside (detail.gateClockAt), rather than refused as out of their window.
  const skew = clockSkew(parsed.value, receivedAt ?? ctx.clock.now());
  if (skew !== null && valid.length > 0) {
    result.clockSkewMs = skew;
    for (let i = 0; i < valid.length; i++) {
      const e = valid[i]!;
      valid[i] = { ...e, at: iso(Date.parse(e.at) - skew), detail: { ...e.detail, gateClockAt: e.at } };
    }
  }
  if (valid.length > 0 && gate) {
    const outcomes = await applyBatch(ctx, gate, valid);
    result.anomalies += outcomes.filter((o) => o === 'anomaly').length;
    result.acked.push(...valid.map((e) => e.eventId));
    for (const e of valid) result.byType[e.type] = (result.byType[e.type] ?? 0) + 1;
  }
  return result;
}

type Applied = { result: Outcome['outcome'] | 'duplicate'; events: NewDomainEvent[] };

/** A gate's clock may run this far ahead of the cloud's. */
export const MAX_CLOCK_AHEAD_MS = 5 * 60_000;
/** The oldest event applied: an outbox keeps what an outage leaves, for up to this long. */
export const MAX_EVENT_AGE_MS = 90 * 24 * 3600_000;

function withinTimeWindow(at: string, now: number): boolean {
  const ms = Date.parse(at);
  return ms <= now + MAX_CLOCK_AHEAD_MS && ms >= now - MAX_EVENT_AGE_MS;
}

/** One event inside the caller's transaction, skipped if the batch record says it was applied. */
async function applyIn(
  trx: Trx,
  gate: Gate,
  received: GateEvent,
  now: number,
  batch: BatchRecord,
): Promise<Applied> {
  if (!batch.claim(received.eventId)) return { result: 'duplicate', events: [] };
  const raw = received.credential;
  const normal = raw ? normalizeCredential(raw.kind, raw.value) : null;
  const event = normal?.ok ? { ...received, credential: { kind: raw!.kind, value: normal.value } } : received;
  // A misread plate on an Ended must not vanish: it is kept, with the raw read, for the operator.
  // So is an event from outside the time window: applied, it could reach into sessions before or
  // after it (an Ended dated 9999 would close the car's next session the moment it opened).
  const outcome: Outcome =
    normal && !normal.ok
      ? { outcome: 'anomaly', anomaly: 'unreadable_credential', events: [] }
      : !withinTimeWindow(event.at, now)
        ? { outcome: 'anomaly', anomaly: 'time_out_of_window', events: [] }
        : await dispatch(trx, gate, event, now, batch);
  batch.add({
    event_id: event.eventId,
    gate_id: gate.id,
    facility_id: gate.facility_id,
    type: event.type,
    credential_kind: event.credential?.kind ?? null,
    credential_value: event.credential?.value ?? null,
    reservation_id: event.reservationId ?? null,
    occurred_at: event.at,
    received_at: iso(now),
    outcome: outcome.outcome,
    anomaly: outcome.anomaly ?? null,
    payload: JSON.stringify(event),
  });
  const events = [...outcome.events];
  if (outcome.anomaly) {
    events.push({
      type: 'AnomalyRecorded',
      aggregateType: 'gate_event',
      aggregateId: event.eventId,
      facilityId: gate.facility_id,
      data: {
        anomaly: outcome.anomaly,
        gateId: gate.id,
        eventType: event.type,
        credential: event.credential ?? null,
        at: event.at,
      },
    });
  }
  return { result: outcome.outcome, events };
}

/**
 * A delivered batch in one transaction: one commit, one fsync, then one ack for all of it (an
 * outbox drains in batches). Each event is still applied at most once, in order. If the batch
 * fails, what of it is not committed is not acked either, and the gate sends it again.
 *
 * An entry decision waiting for the database cuts the transaction short: the events applied so far
 * commit, the decision goes in, and the rest follow in the next transaction. A gate waits for its
 * answer; an outbox waits for its ack only as long as the whole batch takes anyway.
 */
async function applyBatch(ctx: DomainContext, gate: Gate, events: GateEvent[]): Promise<Applied['result'][]> {
  const results: Applied['result'][] = [];
  while (results.length < events.length) {
    const rest = events.slice(results.length);
    try {
      results.push(...(await applyPrefix(ctx, gate, rest)));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      results.push(...(await applyOneByOne(ctx, gate, rest)));
    }
  }
  return results;
}

/** Applies `events` from the first, in one transaction, until they end or urgent work is waiting. */
function applyPrefix(ctx: DomainContext, gate: Gate, events: GateEvent[]): Promise<Applied['result'][]> {
  return commit(ctx, async (trx, now) => {
    const results: Applied['result'][] = [];
    const domainEvents: NewDomainEvent[] = [];
    const batch = await BatchRecord.of(trx, gate, events);
    for (const event of events) {
      const applied = await applyIn(trx, gate, event, now, batch);
      results.push(applied.result);
      domainEvents.push(...applied.events);
      if (ctx.lanes?.urgentWaiting()) break;
    }
    await batch.flush(trx);
    return { result: results, events: domainEvents };
  });
}

/** Two deliveries of one event raced each other: apply one by one, the other delivery has it. */
async function applyOneByOne(
  ctx: DomainContext,
  gate: Gate,
  events: GateEvent[],
): Promise<Applied['result'][]> {
  const results: Applied['result'][] = [];
  for (const event of events) {
    results.push(
      await commit(ctx, async (trx, now) => {
        const batch = await BatchRecord.of(trx, gate, [event]);
        const applied = await applyIn(trx, gate, event, now, batch);
        await batch.flush(trx);
        return { result: applied.result, events: applied.events };
      }).catch((e) => {
        if (isUniqueViolation(e)) return 'duplicate' as const;
        throw e;
      }),
    );
  }
  return results;
}

function dispatch(trx: Trx, gate: Gate, event: GateEvent, now: number, batch: BatchRecord): Promise<Outcome> {
  switch (event.type) {
    case 'Started':
      return onStarted(trx, gate, event, event.credential as Credential, now, batch);
    case 'Ended':
      return onEnded(trx, gate, event, event.credential as Credential, now);
    case 'EntryAborted':
      return onEntryAborted(trx, gate, event, now);
    default:
      return Promise.resolve(record(gate, event));
  }
}

function record(gate: Gate, event: GateEvent): Outcome {
  return {
    outcome: 'recorded',
    events: [
      {
        type: 'GateEventRecorded',
        aggregateType: 'gate_event',
        aggregateId: event.eventId,
        facilityId: gate.facility_id,
        data: {
          gateId: gate.id,
          eventType: event.type,
          credential: event.credential ?? null,
          reason: event.reason ?? null,
          reservationId: event.reservationId ?? null,
          at: event.at,
        },
      },
    ],
  };
}

async function onStarted(
  trx: Trx,
  gate: Gate,
  event: GateEvent,
  cred: Credential,
  now: number,
  batch: BatchRecord,
): Promise<Outcome> {
  await takeTurn(trx, cred.kind, cred.value);
  if (await findOpenSession(trx, cred)) return { outcome: 'anomaly', anomaly: 'already_inside', events: [] };
  const memberId = await memberIdByCredential(trx, cred.kind, cred.value);
  let candidates = trx
    .selectFrom('reservations')
    .select(['id', 'space_id', 'plate', 'admission_gate_id', 'member_id'])
    .where('status', '=', 'reserved')
    .where('facility_id', '=', gate.facility_id);
  candidates = event.reservationId
    ? candidates.where('id', '=', event.reservationId)
    : candidates.where('member_id', '=', memberId ?? '');
  const found = await candidates.orderBy('created_at').execute();
  // A reservation named by the gate is used only by its own member's car: another's must not be
  // consumed (its member would be locked out). The car is inside all the same.
  const notOwned = event.reservationId !== undefined && found.some((r) => r.member_id !== memberId);
  // The reservation this gate just admitted, else the one made for this plate, else the oldest.
  const reservation = notOwned
    ? undefined
    : (found.find((r) => r.admission_gate_id === gate.id) ??
      found.find((r) => r.plate === cred.value) ??
      found[0]);
  // A tag's session is also its reservation's plate's: that plate's turn too, so a Started by the
  // plate itself cannot open a second session beside this one.
  if (cred.kind === 'rfid' && reservation) await takeTurn(trx, 'plate', reservation.plate);
  const opened = await openSession(trx, gate, event, cred, memberId, reservation, now);
  const events = [...opened.events];
  // An Ended for this car that arrived before its Started (another gate's outbox drained first),
  // possibly earlier in this very batch: such a row held back is written first.
  await batch.flushIfHoldingEarlyEnded(trx);
  const early = await trx
    .selectFrom('gate_events')
    .selectAll()
    .where('outcome', '=', ANOMALY)
    .where('anomaly', '=', 'ended_without_session')
    .where('facility_id', '=', gate.facility_id)
    .where('credential_kind', '=', cred.kind)
    .where('credential_value', '=', cred.value)
    .where('occurred_at', '>=', event.at)
    .orderBy('occurred_at')
    .executeTakeFirst();
  if (early) {
    const exitGate = await trx
      .selectFrom('gates')
      .selectAll()
      .where('id', '=', early.gate_id)
      .executeTakeFirstOrThrow();
    events.push(
      ...(await closeSession(
        trx,
        opened.session,
        exitGate,
        { eventId: early.event_id, at: early.occurred_at },
        now,
      )),
    );
    await trx
      .updateTable('gate_events')
      .set({ outcome: 'applied', anomaly: 'ended_before_started_reconciled' })
      .where('gate_id', '=', early.gate_id)
      .where('event_id', '=', early.event_id)
      .execute();
  }
  if (notOwned) return { outcome: 'anomaly', anomaly: 'reservation_not_owned', events };
  // Let in by the gate's offline allowlist: its reservation was cancelled (or lapsed) meanwhile,
  // or it was an "always admit" credential. The car is inside all the same; the anomaly says why.
  if (!reservation && event.offline) {
    const anomaly = event.reservationId
      ? 'offline_admit_reservation_gone'
      : 'offline_admit_without_reservation';
    return { outcome: 'anomaly', anomaly, events };
  }
  if (!reservation) return { outcome: 'anomaly', anomaly: 'started_without_reservation', events };
  return { outcome: 'applied', events };
}

async function onEnded(
  trx: Trx,
  gate: Gate,
  event: GateEvent,
  cred: Credential,
  now: number,
): Promise<Outcome> {
  // The credential's turn, as a Started takes it: an Ended and the Started it ends, applied at once
  // by two instances, would each miss the other (snapshot isolation) and leave the session open for
  // good with the Ended an anomaly. Taking the same row, the later runs again and sees the earlier.
  // A tag may close its owner's plate's session: their plates' turns too.
  await takeTurn(trx, cred.kind, cred.value);
  if (cred.kind === 'rfid')
    for (const plate of await ownersPlates(trx, cred.value)) await takeTurn(trx, 'plate', plate);
  const events = await closeOpenSession(trx, cred, gate, event, now);
  if (!events) return { outcome: 'anomaly', anomaly: 'ended_without_session', events: [] };
  return { outcome: 'applied', events };
}

/** The plates of the member who holds this tag, in a fixed order (turns are taken in it). */
async function ownersPlates(trx: Trx, tag: string): Promise<string[]> {
  const owner = await memberIdByCredential(trx, 'rfid', tag);
  if (!owner) return [];
  const rows = await trx
    .selectFrom('member_credentials')
    .select('value')
    .where('member_id', '=', owner)
    .where('kind', '=', 'plate')
    .orderBy('value')
    .execute();
  return rows.map((r) => r.value);
}

/**
 * Releases the admission this gate holds: named by reservationId, or by the requestId of an allow
 * the gate never saw (it had already timed out and denied).
 */
async function onEntryAborted(trx: Trx, gate: Gate, event: GateEvent, now: number): Promise<Outcome> {
  if (!event.reservationId && !event.requestId) return record(gate, event);
  let query = trx
    .updateTable('reservations')
    .set({ ...NO_ADMISSION, updated_at: iso(now) })
    .where('admission_gate_id', '=', gate.id)
    .where('status', '=', 'reserved');
  if (event.reservationId) query = query.where('id', '=', event.reservationId);
  // The request it aborts, when it names one: a late abort of an earlier request must not release
  // the admission a newer request of the same car holds now.
  if (event.requestId) query = query.where('admission_request_id', '=', event.requestId);
  const released = await query.returning('id').executeTakeFirst();
  if (!released) return record(gate, event);
  return {
    outcome: 'applied',
    events: [
      {
        type: 'EntryAborted',
        aggregateType: 'reservation',
        aggregateId: released.id,
        facilityId: gate.facility_id,
        data: {
          reservationId: released.id,
          requestId: event.requestId ?? null,
          gateId: gate.id,
          eventId: event.eventId,
          at: event.at,
        },
      },
    ],
  };
}

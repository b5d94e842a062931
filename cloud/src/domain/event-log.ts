/**
 * The transactional outbox: domain events are appended in the same transaction as the state change
 * they describe, so a committed change always has its event and a rolled-back one never does.
 */
import type { DomainEvent, DomainEventType } from '@parkinglot/shared';
import { newId } from '@parkinglot/shared';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { iso } from '../util/time.js';

export interface NewDomainEvent {
  type: DomainEventType;
  aggregateType: DomainEvent['aggregateType'];
  aggregateId: string;
  facilityId: string | null;
  data: Record<string, unknown>;
}

/** Rows per INSERT: 7 parameters each, well under sqlite's limit on bound parameters. */
const APPEND_CHUNK = 500;

/**
 * Appends events in order, one statement per chunk rather than per event (each statement is a
 * round trip to sqlite's thread); returns them as stored, with their sequence numbers.
 */
export async function appendEvents(
  trx: Transaction<Database>,
  events: NewDomainEvent[],
  nowMs: number,
): Promise<DomainEvent[]> {
  const occurredAt = iso(nowMs);
  const stored: DomainEvent[] = [];
  for (let start = 0; start < events.length; start += APPEND_CHUNK) {
    const chunk = events.slice(start, start + APPEND_CHUNK).map((event) => ({ ...event, id: newId('dev') }));
    const rows = await trx
      .insertInto('event_log')
      .values(
        chunk.map((event) => ({
          id: event.id,
          type: event.type,
          aggregate_type: event.aggregateType,
          aggregate_id: event.aggregateId,
          facility_id: event.facilityId,
          occurred_at: occurredAt,
          data: JSON.stringify(event.data),
        })),
      )
      .returning(['id', 'seq'])
      .execute();
    // RETURNING promises no order, so match the sequence numbers by id.
    const seqOf = new Map(rows.map((row) => [row.id, Number(row.seq)]));
    for (const event of chunk) stored.push({ ...event, seq: seqOf.get(event.id)!, occurredAt });
  }
  return stored;
}

export async function readEventsAfter(
  db: Kysely<Database>,
  afterSeq: number,
  limit: number,
): Promise<DomainEvent[]> {
  const rows = await db
    .selectFrom('event_log')
    .selectAll()
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    seq: Number(row.seq),
    id: row.id,
    type: row.type as DomainEventType,
    aggregateType: row.aggregate_type as DomainEvent['aggregateType'],
    aggregateId: row.aggregate_id,
    facilityId: row.facility_id,
    occurredAt: row.occurred_at,
    data: JSON.parse(row.data) as Record<string, unknown>,
  }));
}

export async function lastSeq(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('event_log')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}

export async function getCheckpoint(db: Kysely<Database>, name: string): Promise<number> {
  const row = await db.selectFrom('checkpoints').select('seq').where('name', '=', name).executeTakeFirst();
  return Number(row?.seq ?? 0);
}

export async function setCheckpoint(
  db: Kysely<Database> | Transaction<Database>,
  name: string,
  seq: number,
  nowMs: number,
): Promise<void> {
  await db
    .insertInto('checkpoints')
    .values({ name, seq, updated_at: iso(nowMs) })
    .onConflict((oc) => oc.column('name').doUpdateSet({ seq, updated_at: iso(nowMs) }))
    .execute();
}

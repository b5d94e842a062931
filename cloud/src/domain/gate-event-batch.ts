/** The gate_events rows of one delivered batch (ingestion.ts), and which of its events were applied before. */
import type { GateEvent } from '@parkinglot/shared';
import type { Insertable, Transaction } from 'kysely';
import type { Database, Gate, GateEventsTable } from '../db/schema.js';

type Trx = Transaction<Database>;

/**
 * What one delivered batch has recorded: the eventIds applied before or earlier in the batch, and the
 * batch's own gate_events rows, held back and written together (one statement instead of one per
 * event) before anything reads the table and before the commit.
 */
export class BatchRecord {
  private rows: Insertable<GateEventsTable>[] = [];

  private constructor(private readonly seen: Set<string>) {}

  /** Looks up which of this gate's eventIds were applied before, in one query per 500. */
  static async of(trx: Trx, gate: Gate, events: GateEvent[]): Promise<BatchRecord> {
    const ids = [...new Set(events.map((e) => e.eventId))];
    const seen = new Set<string>();
    for (let start = 0; start < ids.length; start += ROWS_PER_STATEMENT) {
      const rows = await trx
        .selectFrom('gate_events')
        .select('event_id')
        .where('gate_id', '=', gate.id)
        .where('event_id', 'in', ids.slice(start, start + ROWS_PER_STATEMENT))
        .execute();
      for (const row of rows) seen.add(row.event_id);
    }
    return new BatchRecord(seen);
  }

  /** False when the event was applied before (or earlier in this batch); else claims it. */
  claim(eventId: string): boolean {
    if (this.seen.has(eventId)) return false;
    this.seen.add(eventId);
    return true;
  }

  add(row: Insertable<GateEventsTable>): void {
    this.rows.push(row);
  }

  /** Writes the rows held back if one of them is an Ended that found no session (what a Started looks for). */
  async flushIfHoldingEarlyEnded(trx: Trx): Promise<void> {
    if (this.rows.some((row) => row.anomaly === 'ended_without_session')) await this.flush(trx);
  }

  async flush(trx: Trx): Promise<void> {
    // 12 bound parameters a row: well under sqlite's limit per statement.
    for (let start = 0; start < this.rows.length; start += ROWS_PER_STATEMENT) {
      await trx
        .insertInto('gate_events')
        .values(this.rows.slice(start, start + ROWS_PER_STATEMENT))
        .execute();
    }
    this.rows = [];
  }
}

const ROWS_PER_STATEMENT = 500;

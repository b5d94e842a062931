/**
 * The event log in commit order on PostgreSQL. A sequence (the identity column) hands out numbers
 * in the order transactions ask, not the order they commit: A takes 1 and stays open, B takes 2 and
 * commits, and a follower that has read up to 2 never sees 1. Here every INSERT into the log first
 * takes one transaction-level advisory lock, held until the transaction ends, so the next number is
 * taken only once the transaction that took the last one has committed or rolled back. A follower
 * that sees seq n therefore sees every committed event below n; a rolled-back number is a hole that
 * stays a hole. docs/architecture.md weighs this against ordering by transaction id.
 *
 * A second trigger sends NOTIFY parkinglot_events when the inserting transaction commits, which
 * other instances take as a wake-up; the log itself stays the truth.
 *
 * Triggers rather than code, so no writer can forget them. sqlite needs neither: one process, one
 * connection, one transaction at a time.
 */
import { type Kysely, sql } from 'kysely';
import type { MigrationContext } from './index.js';

/** pg_advisory_xact_lock(classid, objid): 'PL', 2 (the leader's lease is 'PL', 1). */
export const EVENT_LOG_LOCK = { classid: 0x504c, objid: 2 };

export async function up(db: Kysely<unknown>, { dialect }: MigrationContext): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`create function parkinglot_event_log_turn() returns trigger language plpgsql as $$
    begin
      perform pg_advisory_xact_lock(${sql.lit(EVENT_LOG_LOCK.classid)}, ${sql.lit(EVENT_LOG_LOCK.objid)});
      return null;
    end $$`.execute(db);
  // BEFORE STATEMENT fires before the rows (and their identity defaults) are computed.
  await sql`create trigger event_log_turn before insert on event_log
    for each statement execute function parkinglot_event_log_turn()`.execute(db);
  await sql`create function parkinglot_event_log_notify() returns trigger language plpgsql as $$
    begin
      perform pg_notify('parkinglot_events', '');
      return null;
    end $$`.execute(db);
  await sql`create trigger event_log_notify after insert on event_log
    for each statement execute function parkinglot_event_log_notify()`.execute(db);
}

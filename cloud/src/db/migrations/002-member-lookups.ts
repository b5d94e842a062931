/**
 * Lookups by member on the hot paths:
 * - a member's cars inside ("checking a member", and an exit on a tag that opened nothing) scanned
 *   every session ever recorded;
 * - a member's held reservations (every entry decided in the database) were read through the hold
 *   index, i.e. every held reservation of every member (sqlite preferred `status = ? AND hold_until
 *   > ?` to `member_id = ? AND status = ?`): 465 µs a decision at 4,000 reservations.
 */
import { type Kysely, sql } from 'kysely';
import type { MigrationContext } from './index.js';

export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .createIndex('parking_sessions_open_member')
    .on('parking_sessions')
    .column('member_id')
    .where(sql.ref('status'), '=', 'open')
    .execute();
  // Serves what reservations_member served (its columns are this index's first two).
  await db.schema
    .createIndex('reservations_member_held')
    .on('reservations')
    .columns(['member_id', 'status', 'hold_until'])
    .execute();
  await db.schema.dropIndex('reservations_member').execute();
}

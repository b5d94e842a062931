/**
 * A member's cars inside: "checking a member" and an exit on a tag that opened nothing look open
 * sessions up by member, which scanned every session ever recorded.
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
}

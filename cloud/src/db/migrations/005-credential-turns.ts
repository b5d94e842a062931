/**
 * One row per credential (plate or RFID tag) that an entry decision or a Started has been about,
 * bumped first by every transaction that decides on that credential's sessions. On PostgreSQL the
 * domain's transactions run REPEATABLE READ (snapshot isolation): without a row both touch, two
 * transactions could each find no car inside for one plate and each let one in (write skew). With
 * it, the second waits for the first and runs again, and then sees the first's car.
 */
import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('credential_turns')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('turns', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('credential_turns_pk', ['kind', 'value'])
    .execute();
}

/**
 * A gate can be deactivated (its login revoked, its requests denied) and a space retired (it can no
 * longer be reserved and leaves the schedule); both stay in the tables for the history that names them.
 */
import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema.alterTable('gates').addColumn('deactivated_at', 'text').execute();
  await db.schema.alterTable('spaces').addColumn('retired_at', 'text').execute();
}

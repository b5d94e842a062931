/**
 * Named operator accounts, each with a role and its own token (which is also its MQTT password),
 * and the audit of every command an operator gave a gate. The first admin's token is the configured
 * operator token: its `token_hash` stays null, and the cloud compares with the configuration.
 */
import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('operator_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('rotated_at', 'text')
    .addColumn('disabled_at', 'text')
    .execute();
  await db.schema
    .createTable('gate_commands')
    .addColumn('command_id', 'text', (c) => c.primaryKey())
    .addColumn('gate_id', 'text', (c) => c.notNull())
    .addColumn('facility_id', 'text', (c) => c.notNull())
    .addColumn('operator_id', 'text', (c) => c.notNull())
    .addColumn('operator_name', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('via', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text')
    .addColumn('error', 'text')
    .addColumn('answered_at', 'text')
    .execute();
  await db.schema
    .createIndex('gate_commands_gate')
    .on('gate_commands')
    .columns(['gate_id', 'issued_at'])
    .execute();
  await db.schema
    .createIndex('gate_commands_operator')
    .on('gate_commands')
    .columns(['operator_id', 'issued_at'])
    .execute();
}

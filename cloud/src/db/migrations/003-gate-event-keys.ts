/**
 * A gate event is known by its gate and its eventId, not by the eventId alone: eventIds are chosen
 * by the gates, so with a global key one gate could reuse another's id (by accident or on purpose)
 * and that gate's real event would be acked as a repeat and never applied. sqlite cannot change a
 * primary key in place: the table is rebuilt with the same columns and copied, in one transaction
 * (kysely runs sqlite migrations outside one), so a stop half-way leaves the old table as it was.
 */
import { type Kysely, sql } from 'kysely';
import type { MigrationContext } from './index.js';

export async function up(db: Kysely<unknown>, { dialect }: MigrationContext): Promise<void> {
  // On PostgreSQL kysely already runs each migration in a transaction (DDL is transactional there).
  if (dialect === 'postgres') await rebuild(db);
  else await db.transaction().execute((trx) => rebuild(trx));
}

async function rebuild(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('gate_events_by_gate')
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('gate_id', 'text', (c) => c.notNull())
    .addColumn('facility_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('credential_kind', 'text')
    .addColumn('credential_value', 'text')
    .addColumn('reservation_id', 'text')
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('anomaly', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('gate_events_key', ['gate_id', 'event_id'])
    .execute();
  await sql`insert into gate_events_by_gate
    (event_id, gate_id, facility_id, type, credential_kind, credential_value, reservation_id,
     occurred_at, received_at, outcome, anomaly, payload)
    select event_id, gate_id, facility_id, type, credential_kind, credential_value, reservation_id,
     occurred_at, received_at, outcome, anomaly, payload from gate_events`.execute(db);
  await db.schema.dropTable('gate_events').execute();
  await db.schema.alterTable('gate_events_by_gate').renameTo('gate_events').execute();
  await db.schema
    .createIndex('gate_events_anomalies')
    .on('gate_events')
    .columns(['facility_id', 'credential_kind', 'credential_value'])
    .where(sql.ref('outcome'), '=', 'anomaly')
    .execute();
}

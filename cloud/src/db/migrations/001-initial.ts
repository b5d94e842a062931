import { type Kysely, sql } from 'kysely';
import type { MigrationContext } from './index.js';

/** The whole initial schema. Partial unique indexes are a second line of defence behind the domain. */
export async function up(db: Kysely<unknown>, { dialect }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('facilities')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('spaces')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('facility_id', 'text', (c) => c.notNull().references('facilities.id'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('floor', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('spaces_facility_label', ['facility_id', 'label'])
    .execute();

  await db.schema
    .createTable('gates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('facility_id', 'text', (c) => c.notNull().references('facilities.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('members')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('member_credentials')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text', (c) => c.notNull().references('members.id'))
    .addPrimaryKeyConstraint('member_credentials_pk', ['kind', 'value'])
    .execute();
  await db.schema
    .createIndex('member_credentials_member')
    .on('member_credentials')
    .column('member_id')
    .execute();

  await db.schema
    .createTable('reservations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('member_id', 'text', (c) => c.notNull().references('members.id'))
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id'))
    .addColumn('facility_id', 'text', (c) => c.notNull().references('facilities.id'))
    .addColumn('plate', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('hold_until', 'text', (c) => c.notNull())
    .addColumn('admission_gate_id', 'text')
    .addColumn('admission_until', 'text')
    .addColumn('admission_request_id', 'text')
    .addColumn('admission_credential_kind', 'text')
    .addColumn('admission_credential_value', 'text')
    .execute();
  await db.schema
    .createIndex('reservations_member')
    .on('reservations')
    .columns(['member_id', 'status'])
    .execute();
  await db.schema
    .createIndex('reservations_hold')
    .on('reservations')
    .columns(['status', 'hold_until'])
    .execute();
  // [domain rule 2] at most one live reservation per space and per plate, whatever the code above does.
  await db.schema
    .createIndex('reservations_one_live_per_space')
    .on('reservations')
    .column('space_id')
    .unique()
    .where(sql.ref('status'), 'in', ['reserved', 'in_use'])
    .execute();
  await db.schema
    .createIndex('reservations_one_live_per_plate')
    .on('reservations')
    .column('plate')
    .unique()
    .where(sql.ref('status'), 'in', ['reserved', 'in_use'])
    .execute();

  await db.schema
    .createTable('parking_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reservation_id', 'text')
    .addColumn('member_id', 'text')
    .addColumn('facility_id', 'text', (c) => c.notNull())
    .addColumn('space_id', 'text')
    .addColumn('credential_kind', 'text', (c) => c.notNull())
    .addColumn('credential_value', 'text', (c) => c.notNull())
    .addColumn('plate', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('entry_gate_id', 'text', (c) => c.notNull())
    .addColumn('entry_event_id', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('exit_gate_id', 'text')
    .addColumn('exit_event_id', 'text')
    .addColumn('ended_at', 'text')
    .execute();
  await db.schema
    .createIndex('parking_sessions_open_credential')
    .on('parking_sessions')
    .columns(['credential_kind', 'credential_value'])
    .where(sql.ref('status'), '=', 'open')
    .execute();
  await db.schema
    .createIndex('parking_sessions_open_plate')
    .on('parking_sessions')
    .column('plate')
    .where(sql.ref('status'), '=', 'open')
    .execute();

  await db.schema
    .createTable('gate_events')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
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
    .execute();
  await db.schema
    .createIndex('gate_events_anomalies')
    .on('gate_events')
    .columns(['facility_id', 'credential_kind', 'credential_value'])
    .where(sql.ref('outcome'), '=', 'anomaly')
    .execute();

  const seq = db.schema.createTable('event_log');
  await (dialect === 'postgres'
    ? seq.addColumn('seq', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    : seq.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
  )
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('aggregate_type', 'text', (c) => c.notNull())
    .addColumn('aggregate_id', 'text', (c) => c.notNull())
    .addColumn('facility_id', 'text')
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('checkpoints')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('schedule_spaces')
    .addColumn('space_id', 'text', (c) => c.primaryKey())
    .addColumn('facility_id', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('floor', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reservation_id', 'text')
    .addColumn('member_id', 'text')
    .addColumn('plate', 'text')
    .addColumn('reserved_at', 'text')
    .addColumn('hold_until', 'text')
    .addColumn('session_id', 'text')
    .addColumn('occupied_since', 'text')
    .addColumn('last_seq', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('schedule_spaces_facility')
    .on('schedule_spaces')
    .columns(['facility_id', 'label'])
    .execute();
}

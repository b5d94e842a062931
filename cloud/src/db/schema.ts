/**
 * Table types for kysely. Timestamps are ISO-8601 UTC strings with milliseconds ("…T…:…:….sssZ"): they
 * sort as text in both sqlite and PostgreSQL, so comparisons stay portable.
 */

import type {
  CommandAction,
  CommandOutcome,
  GateDirection,
  OperatorRole,
  ReservationStatus,
  SpaceStatus,
} from '@parkinglot/shared';
import { type Generated, type Insertable, type Selectable, sql, type Updateable } from 'kysely';

export interface FacilitiesTable {
  id: string;
  name: string;
  created_at: string;
}

export interface SpacesTable {
  id: string;
  facility_id: string;
  label: string;
  floor: string;
  /** `retired`: taken out of use for good (migration 007); never reserved again. */
  status: SpaceStatus | 'retired';
  created_at: string;
  updated_at: string;
  retired_at: string | null;
}

export interface GatesTable {
  id: string;
  facility_id: string;
  name: string;
  direction: GateDirection;
  /** sha256 of the MQTT password: it is 144 random bits, so a fast hash suffices (docs/security.md). */
  secret_hash: string;
  created_at: string;
  /** Set when the gate is deactivated: its login is revoked, and it is never let in again. */
  deactivated_at: string | null;
}

export interface MembersTable {
  id: string;
  name: string;
  token_hash: string;
  created_at: string;
}

export interface MemberCredentialsTable {
  kind: 'plate' | 'rfid';
  /** Normalised (normalizePlate / normalizeRfidTag). */
  value: string;
  member_id: string;
}

export interface ReservationsTable {
  id: string;
  member_id: string;
  space_id: string;
  facility_id: string;
  plate: string;
  status: ReservationStatus;
  created_at: string;
  updated_at: string;
  /** The hold: a reservation still `reserved` at this time expires (domain rule 7). */
  hold_until: string;
  /** Set when an entry was allowed and its Started has not arrived yet: by which gate, for which request and credential. */
  admission_gate_id: string | null;
  admission_until: string | null;
  admission_request_id: string | null;
  admission_credential_kind: 'plate' | 'rfid' | null;
  admission_credential_value: string | null;
}

export interface ParkingSessionsTable {
  id: string;
  reservation_id: string | null;
  member_id: string | null;
  facility_id: string;
  space_id: string | null;
  credential_kind: 'plate' | 'rfid';
  credential_value: string;
  plate: string | null;
  status: 'open' | 'closed';
  entry_gate_id: string;
  entry_event_id: string;
  started_at: string;
  exit_gate_id: string | null;
  exit_event_id: string | null;
  ended_at: string | null;
}

export interface GateEventsTable {
  event_id: string;
  gate_id: string;
  facility_id: string;
  type: string;
  credential_kind: string | null;
  credential_value: string | null;
  reservation_id: string | null;
  occurred_at: string;
  received_at: string;
  /** applied: changed state; recorded: kept for the record; anomaly: could not be applied as it stands. */
  outcome: 'applied' | 'recorded' | 'anomaly';
  anomaly: string | null;
  payload: string;
}

export interface EventLogTable {
  seq: Generated<number>;
  id: string;
  type: string;
  aggregate_type: string;
  aggregate_id: string;
  facility_id: string | null;
  occurred_at: string;
  data: string;
}

/** Bumped by every transaction that decides on a credential's sessions (migration 005 says why). */
export interface CredentialTurnsTable {
  kind: 'plate' | 'rfid';
  value: string;
  turns: number;
}

export interface OperatorAccountsTable {
  id: string;
  name: string;
  role: OperatorRole;
  /** sha256 of the token (144 random bits, as a gate's password); null for the first admin, whose token is configured. */
  token_hash: string | null;
  created_at: string;
  rotated_at: string | null;
  disabled_at: string | null;
}

/** The audit of operator commands; each row's changes go with a GateCommandIssued or GateCommandAnswered. */
export interface GateCommandsTable {
  command_id: string;
  gate_id: string;
  facility_id: string;
  operator_id: string;
  operator_name: string;
  action: CommandAction;
  reason: string;
  via: CommandVia;
  issued_at: string;
  outcome: CommandOutcome | null;
  error: string | null;
  answered_at: string | null;
}

export type CommandVia = 'mqtt' | 'http' | 'homeassistant';

/** The key gates' offline allowlists are signed with (Ed25519, PEM). */
export interface SigningKeysTable {
  id: string;
  public_key: string;
  private_key: string;
  created_at: string;
}

export interface OfflineAllowlistsTable {
  facility_id: string;
  /** 1 on, 0 off. */
  enabled: number;
  window_minutes: number;
  /** JSON: [{kind, value, note?}], credentials admitted offline whatever they hold. */
  always_admit: string;
  updated_at: string;
}

export interface CheckpointsTable {
  name: string;
  seq: number;
  updated_at: string;
}

/** The schedule read model (CQRS): written only by the projector. */
export interface ScheduleSpacesTable {
  space_id: string;
  facility_id: string;
  label: string;
  floor: string;
  status: SpaceStatus;
  reservation_id: string | null;
  member_id: string | null;
  plate: string | null;
  reserved_at: string | null;
  hold_until: string | null;
  session_id: string | null;
  occupied_since: string | null;
  last_seq: number;
}

export interface Database {
  facilities: FacilitiesTable;
  spaces: SpacesTable;
  gates: GatesTable;
  members: MembersTable;
  member_credentials: MemberCredentialsTable;
  reservations: ReservationsTable;
  parking_sessions: ParkingSessionsTable;
  gate_events: GateEventsTable;
  event_log: EventLogTable;
  checkpoints: CheckpointsTable;
  credential_turns: CredentialTurnsTable;
  operator_accounts: OperatorAccountsTable;
  gate_commands: GateCommandsTable;
  signing_keys: SigningKeysTable;
  offline_allowlists: OfflineAllowlistsTable;
  schedule_spaces: ScheduleSpacesTable;
}

/**
 * Values written into the SQL rather than bound, for the conditions of partial indexes: sqlite uses
 * `… WHERE status = 'open'` only when the query's own terms imply it, which a parameter never does.
 */
export const OPEN = sql.lit<'open'>('open');
export const ANOMALY = sql.lit<'anomaly'>('anomaly');
/** The statuses of a reservation that holds its space and its plate (the partial unique indexes). */
export const LIVE = [sql.lit<'reserved'>('reserved'), sql.lit<'in_use'>('in_use')];

/** At most one live reservation per plate (migration 001): the check of that rule, not a second line. */
export const LIVE_PER_PLATE = {
  name: 'reservations_one_live_per_plate',
  table: 'reservations',
  columns: ['plate'],
};

/** The admission columns of a reservation with no entry in progress. */
export const NO_ADMISSION = {
  admission_gate_id: null,
  admission_until: null,
  admission_request_id: null,
  admission_credential_kind: null,
  admission_credential_value: null,
} as const;

export type Space = Selectable<SpacesTable>;
export type Gate = Selectable<GatesTable>;
export type OperatorAccountRow = Selectable<OperatorAccountsTable>;
export type GateCommandRow = Selectable<GateCommandsTable>;
export type Member = Selectable<MembersTable>;
export type Reservation = Selectable<ReservationsTable>;
export type ParkingSession = Selectable<ParkingSessionsTable>;
export type NewEventLogRow = Insertable<EventLogTable>;
export type ReservationUpdate = Updateable<ReservationsTable>;

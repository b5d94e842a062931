/**
 * Domain events: every state change in the cloud appends one to the event log in the same
 * transaction, with a global sequence number. The publisher sends them to `parking/events/{type}`;
 * the schedule projection is built from them.
 */
export const DomainEventType = {
  FacilityRegistered: 'FacilityRegistered',
  SpaceAdded: 'SpaceAdded',
  GateRegistered: 'GateRegistered',
  GatePasswordRotated: 'GatePasswordRotated',
  GateDeactivated: 'GateDeactivated',
  SpaceRetired: 'SpaceRetired',
  MemberCredentialsChanged: 'MemberCredentialsChanged',
  OfflineAllowlistConfigured: 'OfflineAllowlistConfigured',
  /** An operator asked a gate to act (console, HTTP or Home Assistant): who, which gate, why. */
  GateCommandIssued: 'GateCommandIssued',
  /** What came of it: the gate's answer, or that it was offline or did not answer in time. */
  GateCommandAnswered: 'GateCommandAnswered',
  OperatorAccountCreated: 'OperatorAccountCreated',
  OperatorTokenRotated: 'OperatorTokenRotated',
  OperatorAccountDisabled: 'OperatorAccountDisabled',
  MemberRegistered: 'MemberRegistered',
  SpaceReserved: 'SpaceReserved',
  ReservationCanceled: 'ReservationCanceled',
  ReservationExpired: 'ReservationExpired',
  EntryAllowed: 'EntryAllowed',
  EntryAborted: 'EntryAborted',
  ParkingStarted: 'ParkingStarted',
  ParkingEnded: 'ParkingEnded',
  GateEventRecorded: 'GateEventRecorded',
  AnomalyRecorded: 'AnomalyRecorded',
} as const;

export type DomainEventType = (typeof DomainEventType)[keyof typeof DomainEventType];

export interface DomainEvent<T = Record<string, unknown>> {
  /**
   * Global, strictly increasing position in the event log, in commit order. Gap-free on sqlite; on
   * PostgreSQL the number a rolled-back transaction took is skipped for good.
   */
  seq: number;
  id: string;
  type: DomainEventType;
  aggregateType:
    | 'facility'
    | 'space'
    | 'gate'
    | 'member'
    | 'reservation'
    | 'session'
    | 'gate_event'
    | 'operator';
  aggregateId: string;
  facilityId: string | null;
  occurredAt: string;
  data: T;
}

export type SpaceStatus = 'available' | 'reserved' | 'occupied';
export type ReservationStatus = 'reserved' | 'canceled' | 'in_use' | 'completed' | 'expired';
export type GateDirection = 'entry' | 'exit';

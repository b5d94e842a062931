/** Why the cloud allowed or denied an entry. Every deny carries one of these codes. */
export const DenyReason = {
  /** The payload did not parse or validate. */
  malformedRequest: 'malformed_request',
  /** The plate or tag belongs to no member. */
  unknownCredential: 'unknown_credential',
  /** The member holds no active reservation at all. */
  noReservation: 'no_reservation',
  /** The member's active reservations are all at other facilities. */
  wrongFacility: 'wrong_facility',
  /** The car (plate or tag) has an open parking session: anti-passback. */
  alreadyInside: 'already_inside',
  /** The gate is an exit gate; exits do not ask. */
  notAnEntryGate: 'not_an_entry_gate',
  /** The topic names a gate that is not registered. */
  unknownGate: 'unknown_gate',
  /** The reservation was already allowed in and its Started has not arrived yet. */
  admissionPending: 'admission_pending',
  /** The cloud could not decide (database error): fail closed. */
  internalError: 'internal_error',
} as const;

export type DenyReason = (typeof DenyReason)[keyof typeof DenyReason];

export const ALLOW_REASON = 'reservation_active' as const;

export const DENY_REASONS: readonly DenyReason[] = Object.values(DenyReason);

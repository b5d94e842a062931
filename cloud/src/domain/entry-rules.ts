/**
 * Domain rule 4 as a pure function of the facts it needs: who owns the credential, whether that car
 * is already inside, and the owner's live reservations. The facts come from the database inside the
 * deciding transaction, or from the in-memory AdmissionView; the rules are the same either way.
 */
import { type Credential, DenyReason } from '@parkinglot/shared';

export interface LiveReservation {
  id: string;
  facilityId: string;
  plate: string;
  /** The entry allowed on it and not yet Started; pending while `until` is in the future. */
  admission: { until: string; kind: 'plate' | 'rfid'; value: string } | null;
}

/** A reservation row's admission columns as `LiveReservation.admission`. */
export function admissionOf(row: {
  admission_until: string | null;
  admission_credential_kind: 'plate' | 'rfid' | null;
  admission_credential_value: string | null;
}): LiveReservation['admission'] {
  const { admission_until: until, admission_credential_kind: kind, admission_credential_value: value } = row;
  return until && kind && value ? { until, kind, value } : null;
}

/**
 * Does an open session keep its car out of `facilityId` (anti-passback)? One the cloud admitted on a
 * reservation does everywhere: a car is in one place. One a gate opened on its own word (a Started
 * without a usable reservation) does only at that gate's facility: a faulty or hostile gate at one
 * site cannot lock a member out of another.
 */
export function countsAt(session: { facilityId: string; reservationId: string | null }, facilityId: string) {
  return session.reservationId !== null || session.facilityId === facilityId;
}

export interface EntryFacts<R extends LiveReservation = LiveReservation> {
  /** The member the credential belongs to, or null. */
  memberId: string | null;
  /** An open session of the car this credential identifies that counts at the gate's facility (countsAt), or null. */
  openSessionId: string | null;
  /** The member's reservations still `reserved` whose hold has not run out, oldest first. */
  live: R[];
}

export type EntryDeny = { decision: 'deny'; reason: DenyReason; message?: string };

/** A deny, or the reservation an allow would claim. */
export function judgeEntry<R extends LiveReservation>(
  facts: EntryFacts<R>,
  gateFacilityId: string,
  credential: Credential,
  nowIso: string,
): EntryDeny | { decision: 'candidate'; reservation: R } {
  if (!facts.memberId) return { decision: 'deny', reason: DenyReason.unknownCredential };
  // Anti-passback: the same plate or tag is already inside (countsAt says where that holds).
  if (facts.openSessionId) {
    return {
      decision: 'deny',
      reason: DenyReason.alreadyInside,
      message: `session ${facts.openSessionId} is open`,
    };
  }
  const { live } = facts;
  if (live.length === 0) return { decision: 'deny', reason: DenyReason.noReservation };
  const pending = (r: R) => r.admission !== null && r.admission.until > nowIso;
  // The same plate or tag is already on its way in (at this gate or another, on any reservation of
  // the member): a clone or a second lane's misread must not let a second car in behind it.
  const sameCar = live.some(
    (r) => pending(r) && r.admission?.kind === credential.kind && r.admission.value === credential.value,
  );
  if (sameCar) {
    return {
      decision: 'deny',
      reason: DenyReason.admissionPending,
      message: 'this car is already being let in',
    };
  }
  const here = live.filter((r) => r.facilityId === gateFacilityId);
  if (here.length === 0) return { decision: 'deny', reason: DenyReason.wrongFacility };
  // A plate prefers the reservation made for it; a tag (or another of the member's plates) takes the oldest.
  const free = here.filter((r) => !pending(r));
  const chosen = free.find((r) => credential.kind === 'plate' && r.plate === credential.value) ?? free[0];
  if (!chosen) {
    return {
      decision: 'deny',
      reason: DenyReason.admissionPending,
      message: 'an entry on this reservation is in progress',
    };
  }
  return { decision: 'candidate', reservation: chosen };
}

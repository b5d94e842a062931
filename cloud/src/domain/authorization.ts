/**
 * Entry authorization (domain rule 4). The cloud allows an entry only when the credential belongs to
 * a member with a live, unexpired reservation in the gate's facility and the car is not already
 * inside. Every other outcome is a deny with a reason; an allow marks the reservation's admission as
 * pending until Started arrives, so one reservation cannot let two cars in.
 */
import {
  ALLOW_REASON,
  type AuthResponse,
  authRequestSchema,
  type Credential,
  DenyReason,
  describeZodError,
  MAX_AUTH_REQUEST_BYTES,
  normalizeCredential,
  parseJsonPayload,
  readIdField,
} from '@parkinglot/shared';
import type { Kysely, Transaction } from 'kysely';
import type { Database, Gate } from '../db/schema.js';
import { iso } from '../util/time.js';
import { type DomainContext, laneOf } from './context.js';
import {
  admissionOf,
  type EntryDeny,
  type EntryFacts,
  judgeEntry,
  type LiveReservation,
} from './entry-rules.js';
import { memberIdByCredential } from './members.js';
import { findOpenSession, takeTurn } from './sessions.js';
import { commit } from './unit-of-work.js';

type Deny = Extract<AuthResponse, { decision: 'deny' }>;

const deny = (requestId: string, reason: DenyReason, message?: string): Deny =>
  message === undefined
    ? { requestId, decision: 'deny', reason }
    : { requestId, decision: 'deny', reason, message };

export interface DecisionInput {
  gateId: string;
  /** Looks the gate up; a failure to look it up is an internal error, not an unknown gate. */
  lookupGate: (gateId: string) => Promise<Gate | undefined>;
  payload: Uint8Array | string;
  /** Told each stage as it is reached (`judged`, then `locked` and `committed` for an allow), to time them. */
  trace?: (stage: DecisionStage) => void;
}

/** The stages of a decision: facts judged, write lock held, allow committed. */
export type DecisionStage = 'judged' | 'locked' | 'committed';

/** Never throws: a failure to decide is a deny (fail closed). */
export async function decideEntry(ctx: DomainContext, input: DecisionInput): Promise<AuthResponse> {
  const parsed = parseJsonPayload(input.payload, MAX_AUTH_REQUEST_BYTES);
  if (!parsed.ok) return deny('', DenyReason.malformedRequest, parsed.error);
  // Best effort: a malformed request still gets its requestId echoed where one can be read.
  const requestId = readIdField(parsed.value, 'requestId') ?? '';
  const request = authRequestSchema.safeParse(parsed.value);
  if (!request.success) return deny(requestId, DenyReason.malformedRequest, describeZodError(request.error));
  const { credential } = request.data;
  const normal = normalizeCredential(credential.kind, credential.value);
  if (!normal.ok) return deny(requestId, DenyReason.malformedRequest, normal.error);
  try {
    const gate = await input.lookupGate(input.gateId);
    if (!gate) return deny(requestId, DenyReason.unknownGate, `gate ${input.gateId} is not registered`);
    if (gate.direction !== 'entry') {
      return deny(requestId, DenyReason.notAnEntryGate, 'exit gates open without asking');
    }
    const cred: Credential = { kind: credential.kind, value: normal.value };
    // Most requests are denied, and a deny writes nothing: it is decided from the in-memory view (or,
    // while that is not ready, from plain reads), without the write lock. Either can only be stale,
    // and a stale deny is still a deny (fail closed); an allow is decided again, from the database,
    // inside the transaction that claims the reservation.
    const nowIso = iso(ctx.clock.now());
    const judge = async () =>
      judgeEntry(
        ctx.admissions?.facts(cred, nowIso, gate.facility_id) ??
          (await readEntryFacts(laneOf(ctx, 'urgent'), cred, nowIso, gate.facility_id)),
        gate.facility_id,
        cred,
        nowIso,
      );
    let first = await judge();
    // Another instance may have committed a reservation a moment ago that the view has not heard
    // of yet: before a deny, the view catches up with the log's head (one read of one row).
    if (first.decision === 'deny' && ctx.feed?.shared) {
      await ctx.feed.sync();
      first = await judge();
    }
    input.trace?.('judged');
    if (first.decision === 'deny') return { requestId, ...first };
    const answer = await commit<AuthResponse>(
      ctx,
      async (trx, now) => {
        input.trace?.('locked');
        const decision = await decide(trx, gate, cred, requestId, now, ctx.settings.admissionWindowMs);
        if (decision.decision === 'deny') return { result: { requestId, ...decision }, events: [] };
        const { admissionUntil, memberId, ...allow } = decision;
        return {
          result: { requestId, ...allow },
          events: [
            {
              type: 'EntryAllowed',
              aggregateType: 'reservation',
              aggregateId: decision.reservationId,
              facilityId: gate.facility_id,
              data: {
                reservationId: decision.reservationId,
                spaceId: decision.spaceId,
                memberId,
                gateId: gate.id,
                credential: cred,
                requestId,
                admissionUntil,
              },
            },
          ],
        };
      },
      'urgent',
    );
    input.trace?.('committed');
    return answer;
  } catch (error) {
    ctx.log.error(`authorization for gate ${input.gateId} failed; denying`, error);
    return deny(requestId, DenyReason.internalError, 'the cloud could not decide');
  }
}

type Allow = {
  decision: 'allow';
  reason: typeof ALLOW_REASON;
  reservationId: string;
  spaceId: string;
  spaceLabel: string;
  memberId: string;
  admissionUntil: string;
};

type HeldRow = LiveReservation & { spaceId: string; label: string };

/** The facts of entry-rules.ts, read from the database (inside the deciding transaction, or as a fallback). */
export async function readEntryFacts(
  db: Kysely<Database>,
  cred: Credential,
  nowIso: string,
  facilityId: string,
): Promise<EntryFacts<HeldRow>> {
  const memberId = await memberIdByCredential(db, cred.kind, cred.value);
  if (!memberId) return { memberId: null, openSessionId: null, live: [] };
  const inside = await findOpenSession(db, cred, facilityId);
  if (inside) return { memberId, openSessionId: inside.id, live: [] };
  const rows = await db
    .selectFrom('reservations')
    .innerJoin('spaces', 'spaces.id', 'reservations.space_id')
    .select([
      'reservations.id',
      'reservations.space_id',
      'reservations.facility_id',
      'reservations.plate',
      'reservations.admission_until',
      'reservations.admission_credential_kind',
      'reservations.admission_credential_value',
      'spaces.label',
    ])
    .where('reservations.member_id', '=', memberId)
    .where('reservations.status', '=', 'reserved')
    .where('reservations.hold_until', '>', nowIso)
    .orderBy('reservations.created_at')
    .execute();
  const live = rows.map((r) => ({
    id: r.id,
    facilityId: r.facility_id,
    plate: r.plate,
    spaceId: r.space_id,
    label: r.label,
    admission: admissionOf(r),
  }));
  return { memberId, openSessionId: null, live };
}

/** The authoritative decision, inside the transaction: the rules again, then the conditional claim. */
async function decide(
  trx: Transaction<Database>,
  gate: Gate,
  cred: Credential,
  requestId: string,
  now: number,
  admissionWindowMs: number,
): Promise<Allow | EntryDeny> {
  const nowIso = iso(now);
  // Before reading whether the car is inside: a Started for it committing meanwhile must be seen.
  await takeTurn(trx, cred.kind, cred.value);
  const facts = await readEntryFacts(trx, cred, nowIso, gate.facility_id);
  const verdict = judgeEntry(facts, gate.facility_id, cred, nowIso);
  if (verdict.decision === 'deny') return verdict;
  const chosen = verdict.reservation;
  if (cred.kind === 'rfid') await takeTurn(trx, 'plate', chosen.plate);
  const admissionUntil = iso(now + admissionWindowMs);
  // Conditional, so two gates asking at once for one reservation cannot both be allowed.
  const claimed = await trx
    .updateTable('reservations')
    .set({
      admission_gate_id: gate.id,
      admission_until: admissionUntil,
      admission_request_id: requestId,
      admission_credential_kind: cred.kind,
      admission_credential_value: cred.value,
      updated_at: nowIso,
    })
    .where('id', '=', chosen.id)
    .where('status', '=', 'reserved')
    .where((eb) => eb.or([eb('admission_until', 'is', null), eb('admission_until', '<=', nowIso)]))
    .executeTakeFirst();
  if (claimed.numUpdatedRows === 0n) {
    return {
      decision: 'deny',
      reason: DenyReason.admissionPending,
      message: 'an entry on this reservation is in progress',
    };
  }
  return {
    decision: 'allow',
    reason: ALLOW_REASON,
    reservationId: chosen.id,
    spaceId: chosen.spaceId,
    spaceLabel: chosen.label,
    memberId: facts.memberId!,
    admissionUntil,
  };
}

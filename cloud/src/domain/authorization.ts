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
import type { DomainContext } from './context.js';
import { memberIdByCredential } from './members.js';
import { findOpenSession } from './sessions.js';
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
}

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
    const cred = { kind: credential.kind, value: normal.value };
    // Most requests are denied, and a deny writes nothing: it is decided from plain reads, without
    // the write lock. Reads outside a transaction can only be stale, and a stale deny is still a
    // deny (fail closed); an allow is decided again, authoritatively, inside the transaction.
    const cache = ownerCache(ctx.db);
    const first = await evaluate(ctx.db, cache, gate, cred, ctx.clock.now());
    if (first.decision === 'deny') return { requestId, ...first };
    return await commit<AuthResponse>(ctx, async (trx, now) => {
      const decision = await decide(trx, cache, gate, cred, requestId, now, ctx.settings.admissionWindowMs);
      if (decision.decision === 'deny') return { result: { requestId, ...decision }, events: [] };
      return {
        result: { requestId, ...decision },
        events: [
          {
            type: 'EntryAllowed',
            aggregateType: 'reservation',
            aggregateId: decision.reservationId,
            facilityId: gate.facility_id,
            data: {
              reservationId: decision.reservationId,
              spaceId: decision.spaceId,
              gateId: gate.id,
              credential: { kind: credential.kind, value: normal.value },
              requestId,
            },
          },
        ],
      };
    });
  } catch (error) {
    ctx.log.error(`authorization for gate ${input.gateId} failed; denying`, error);
    return deny(requestId, DenyReason.internalError, 'the cloud could not decide');
  }
}

type Decision =
  | {
      decision: 'allow';
      reason: typeof ALLOW_REASON;
      reservationId: string;
      spaceId: string;
      spaceLabel: string;
    }
  | { decision: 'deny'; reason: DenyReason; message?: string };

type Candidate = { decision: 'candidate'; id: string; spaceId: string; label: string };

/**
 * Who owns a plate or tag, per database. A credential's owner never changes once registered (no
 * call updates or removes credentials), so a found owner is cached for good; a miss is not cached,
 * as the credential may be registered a moment later. Anything that ever removes or moves a
 * credential must clear this.
 */
const owners = new WeakMap<object, Map<string, string>>();

async function ownerOf(
  db: Kysely<Database>,
  cache: Map<string, string>,
  kind: 'plate' | 'rfid',
  value: string,
) {
  const key = `${kind}:${value}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const found = await memberIdByCredential(db, kind, value);
  if (found) cache.set(key, found);
  return found;
}

function ownerCache(db: Kysely<Database>): Map<string, string> {
  let cache = owners.get(db);
  if (!cache) {
    cache = new Map();
    owners.set(db, cache);
  }
  return cache;
}

/** The rules of domain rule 4, read-only: a deny, or the reservation an allow would claim. */
async function evaluate(
  db: Kysely<Database>,
  cache: Map<string, string>,
  gate: Gate,
  { kind, value }: { kind: 'plate' | 'rfid'; value: string },
  now: number,
): Promise<Extract<Decision, { decision: 'deny' }> | Candidate> {
  const memberId = await ownerOf(db, cache, kind, value);
  if (!memberId) return { decision: 'deny', reason: DenyReason.unknownCredential };

  // Anti-passback: the same plate or tag is already inside (at any facility: a car is in one place).
  const inside = await findOpenSession(db, { kind, value });
  if (inside) {
    return { decision: 'deny', reason: DenyReason.alreadyInside, message: `session ${inside.id} is open` };
  }

  const nowIso = iso(now);
  const live = await db
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
  if (live.length === 0) return { decision: 'deny', reason: DenyReason.noReservation };
  const pending = (r: (typeof live)[number]) => r.admission_until !== null && r.admission_until > nowIso;
  // The same plate or tag is already on its way in (at this gate or another, on any reservation of
  // the member): a clone or a second lane's misread must not let a second car in behind it.
  if (
    live.some(
      (r) => pending(r) && r.admission_credential_kind === kind && r.admission_credential_value === value,
    )
  ) {
    return {
      decision: 'deny',
      reason: DenyReason.admissionPending,
      message: 'this car is already being let in',
    };
  }
  const here = live.filter((r) => r.facility_id === gate.facility_id);
  if (here.length === 0) return { decision: 'deny', reason: DenyReason.wrongFacility };

  // A plate prefers the reservation made for it; a tag (or another of the member's plates) takes the oldest.
  const free = here.filter((r) => !pending(r));
  const chosen = free.find((r) => kind === 'plate' && r.plate === value) ?? free[0];
  if (!chosen) {
    return {
      decision: 'deny',
      reason: DenyReason.admissionPending,
      message: 'an entry on this reservation is in progress',
    };
  }
  return { decision: 'candidate', id: chosen.id, spaceId: chosen.space_id, label: chosen.label };
}

/** The authoritative decision, inside the transaction: the rules again, then the conditional claim. */
async function decide(
  trx: Transaction<Database>,
  cache: Map<string, string>,
  gate: Gate,
  { kind, value }: { kind: 'plate' | 'rfid'; value: string },
  requestId: string,
  now: number,
  admissionWindowMs: number,
): Promise<Decision> {
  const verdict = await evaluate(trx, cache, gate, { kind, value }, now);
  if (verdict.decision === 'deny') return verdict;
  const chosen = { id: verdict.id, space_id: verdict.spaceId, label: verdict.label };
  const nowIso = iso(now);
  // Conditional, so two gates asking at once for one reservation cannot both be allowed.
  const claimed = await trx
    .updateTable('reservations')
    .set({
      admission_gate_id: gate.id,
      admission_until: iso(now + admissionWindowMs),
      admission_request_id: requestId,
      admission_credential_kind: kind,
      admission_credential_value: value,
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
    spaceId: chosen.space_id,
    spaceLabel: chosen.label,
  };
}

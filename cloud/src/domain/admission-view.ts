/**
 * The facts an entry decision reads (entry-rules.ts), kept in memory: who owns each plate and tag,
 * which cars are inside, and each member's reservations still `reserved`. Most requests at a gate are
 * denied, and a deny decided here costs no query, so the gate's answer is bounded by the broker, not
 * the database.
 *
 * It is a read model fed by the domain events each commit appends, applied in sequence order before
 * the committing operation returns (so a reservation made over HTTP is seen by the very next request
 * at the gate). It is loaded from the tables at start, with the event log's position at that moment.
 * A gap in the sequence (an event it never heard of) makes it stale: it reloads, and until then
 * `facts()` answers null and the caller reads the database instead.
 *
 * It only ever decides denies. An allow is decided again from the database inside the transaction
 * that claims the reservation, so a view that lags can only cost a transaction, never let a car in.
 * It assumes this process is the database's only writer, which the sqlite deployment guarantees.
 */

import type { Logger } from '@parkinglot/platform/log';
import { SerialRunner } from '@parkinglot/platform/time';
import type { Credential, DomainEvent } from '@parkinglot/shared';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { transact } from '../db/transact.js';
import type { EventBus } from './bus.js';
import { admissionOf, countsAt, type EntryFacts, type LiveReservation } from './entry-rules.js';
import { lastSeq } from './event-log.js';

interface HeldReservation extends LiveReservation {
  memberId: string;
  holdUntil: string;
}

interface OpenSession {
  id: string;
  startedAt: string;
  keys: string[];
  facilityId: string;
  reservationId: string | null;
}

type State = 'loading' | 'ready' | 'stale' | 'stopped';

const key = (kind: string, value: string) => `${kind}:${value}`;

export class AdmissionView {
  private state: State = 'loading';
  private seq = 0;
  /** Events heard while loading or stale, applied once the tables have been read. */
  private heard: DomainEvent[] = [];
  private readonly owners = new Map<string, string>();
  private readonly reservations = new Map<string, HeldReservation>();
  /** Member id → ids of their held reservations, in the order they were made. */
  private readonly byMember = new Map<string, Set<string>>();
  private readonly sessions = new Map<string, OpenSession>();
  /** Credential key → ids of the open sessions it identifies (a plate: by plate and by the session's plate). */
  private readonly sessionsByKey = new Map<string, Set<string>>();
  private readonly loader: SerialRunner;
  private unsubscribe: (() => void) | null = null;
  /** How many times it found a gap and reloaded; exposed for tests and metrics. */
  reloads = 0;

  constructor(private readonly deps: { db: Kysely<Database>; bus: EventBus; log: Logger }) {
    this.loader = new SerialRunner(() => this.load(), deps.log);
  }

  /** Listens first, then reads the tables, so nothing committed meanwhile is missed. */
  async start(): Promise<void> {
    this.unsubscribe ??= this.deps.bus.on('eventsAppended', ({ events }) => this.apply(events));
    await this.loader.run();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.state = 'stopped';
    await this.loader.idle();
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  /** Resolves when no load is running. */
  idle(): Promise<void> {
    return this.loader.idle();
  }

  /** The facts for one credential at `nowIso`, or null when the view is not ready (read the database). */
  facts(credential: Credential, nowIso: string, facilityId: string): EntryFacts | null {
    if (this.state !== 'ready') return null;
    const memberId = this.owners.get(key(credential.kind, credential.value)) ?? null;
    if (!memberId) return { memberId: null, openSessionId: null, live: [] };
    const open = [...(this.sessionsByKey.get(key(credential.kind, credential.value)) ?? [])]
      .map((id) => this.sessions.get(id)!)
      .filter((s) => countsAt(s, facilityId))
      .sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0))[0];
    if (open) return { memberId, openSessionId: open.id, live: [] };
    const live: LiveReservation[] = [];
    for (const id of this.byMember.get(memberId) ?? []) {
      const r = this.reservations.get(id)!;
      if (r.holdUntil > nowIso) live.push(r);
    }
    return { memberId, openSessionId: null, live };
  }

  /** Applies committed events in sequence order; a gap makes the view stale until it has reloaded. */
  apply(events: readonly DomainEvent[]): void {
    if (this.state === 'stopped') return;
    if (this.state !== 'ready') {
      this.heard.push(...events);
      if (this.state === 'stale') this.loader.kick();
      return;
    }
    for (const event of events) {
      if (event.seq <= this.seq) continue;
      if (event.seq !== this.seq + 1 || !this.applyOne(event)) {
        this.deps.log.warn(
          `admission view: ${event.seq !== this.seq + 1 ? `event ${event.seq} follows ${this.seq}` : `event ${event.seq} (${event.type}) is not understood`}; reloading from the tables`,
        );
        this.state = 'stale';
        this.reloads += 1;
        this.heard = [];
        this.loader.kick();
        return;
      }
      this.seq = event.seq;
    }
  }

  private async load(): Promise<number> {
    if (this.state === 'stopped' || this.state === 'ready') return 0;
    this.state = 'loading';
    // Everything committed before the snapshot below is in it; whatever is heard from here on is
    // applied after it, skipping what the snapshot already holds.
    this.heard = [];
    const snapshot = await this.readTables().catch((error: unknown) => {
      // Stale, not loading: the next commit heard kicks another attempt; meanwhile callers read the database.
      if (this.state === 'loading') this.state = 'stale';
      throw error;
    });
    if ((this.state as State) === 'stopped') return 0;
    this.clear();
    for (const c of snapshot.credentials) this.owners.set(key(c.kind, c.value), c.member_id);
    for (const s of snapshot.sessions) {
      this.openSession(
        { id: s.id, startedAt: s.started_at, facilityId: s.facility_id, reservationId: s.reservation_id },
        s.plate,
        { kind: s.credential_kind, value: s.credential_value },
      );
    }
    for (const r of snapshot.reservations) {
      this.hold({
        id: r.id,
        memberId: r.member_id,
        facilityId: r.facility_id,
        plate: r.plate,
        holdUntil: r.hold_until,
        admission: admissionOf(r),
      });
    }
    this.seq = snapshot.seq;
    this.state = 'ready';
    const heard = this.heard.sort((a, b) => a.seq - b.seq);
    this.heard = [];
    this.apply(heard);
    return 1;
  }

  /** One consistent snapshot of the tables and the event log's position. */
  private readTables() {
    return transact(this.deps.db, async (trx) => ({
      seq: await lastSeq(trx),
      credentials: await trx.selectFrom('member_credentials').selectAll().execute(),
      sessions: await trx
        .selectFrom('parking_sessions')
        .select([
          'id',
          'plate',
          'credential_kind',
          'credential_value',
          'started_at',
          'facility_id',
          'reservation_id',
        ])
        .where('status', '=', 'open')
        .execute(),
      reservations: await trx
        .selectFrom('reservations')
        .selectAll()
        .where('status', '=', 'reserved')
        .orderBy('created_at')
        .execute(),
    }));
  }

  private clear(): void {
    this.owners.clear();
    this.reservations.clear();
    this.byMember.clear();
    this.sessions.clear();
    this.sessionsByKey.clear();
  }

  /** False when the event lacks what the view needs from it. */
  private applyOne(event: DomainEvent): boolean {
    const d = event.data;
    const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
    switch (event.type) {
      case 'MemberRegistered': {
        const { memberId, plates, rfidTags } = d;
        if (!str(memberId) || !Array.isArray(plates) || !Array.isArray(rfidTags)) return false;
        for (const p of plates) this.owners.set(key('plate', String(p)), memberId);
        for (const t of rfidTags) this.owners.set(key('rfid', String(t)), memberId);
        return true;
      }
      case 'MemberCredentialsChanged': {
        const { memberId, plates, rfidTags, removed } = d;
        if (!str(memberId) || !Array.isArray(plates) || !Array.isArray(rfidTags) || !Array.isArray(removed))
          return false;
        for (const r of removed as { kind?: unknown; value?: unknown }[]) {
          if ((r.kind === 'plate' || r.kind === 'rfid') && str(r.value))
            this.owners.delete(key(r.kind, r.value));
        }
        for (const p of plates) this.owners.set(key('plate', String(p)), memberId);
        for (const t of rfidTags) this.owners.set(key('rfid', String(t)), memberId);
        return true;
      }
      case 'SpaceReserved': {
        const { reservationId, memberId, plate, holdUntil } = d;
        if (!str(reservationId) || !str(memberId) || !str(plate) || !str(holdUntil) || !event.facilityId)
          return false;
        this.hold({
          id: reservationId,
          memberId,
          facilityId: event.facilityId,
          plate,
          holdUntil,
          admission: null,
        });
        return true;
      }
      case 'ReservationCanceled':
      case 'ReservationExpired': {
        if (!str(d.reservationId)) return false;
        this.release(d.reservationId);
        return true;
      }
      case 'EntryAllowed': {
        const { reservationId, admissionUntil, credential } = d;
        const cred = readCredential(credential);
        if (!str(reservationId) || !str(admissionUntil) || !cred) return false;
        const r = this.reservations.get(reservationId);
        if (r) r.admission = { until: admissionUntil, ...cred };
        return true;
      }
      case 'EntryAborted': {
        if (!str(d.reservationId)) return false;
        const r = this.reservations.get(d.reservationId);
        if (r) r.admission = null;
        return true;
      }
      case 'ParkingStarted': {
        const { sessionId, reservationId, plate, credential, at } = d;
        const cred = readCredential(credential);
        if (!str(sessionId) || !str(at) || !cred || !str(event.facilityId)) return false;
        this.openSession(
          {
            id: sessionId,
            startedAt: at,
            facilityId: event.facilityId,
            reservationId: str(reservationId) ? reservationId : null,
          },
          str(plate) ? plate : null,
          cred,
        );
        if (str(reservationId)) this.release(reservationId);
        return true;
      }
      case 'ParkingEnded': {
        if (!str(d.sessionId)) return false;
        this.closeSession(d.sessionId);
        return true;
      }
      default:
        return true;
    }
  }

  private hold(r: HeldReservation): void {
    this.reservations.set(r.id, r);
    let mine = this.byMember.get(r.memberId);
    if (!mine) {
      mine = new Set();
      this.byMember.set(r.memberId, mine);
    }
    mine.add(r.id);
  }

  private release(reservationId: string): void {
    const r = this.reservations.get(reservationId);
    if (!r) return;
    this.reservations.delete(reservationId);
    const mine = this.byMember.get(r.memberId);
    mine?.delete(reservationId);
    if (mine?.size === 0) this.byMember.delete(r.memberId);
  }

  private openSession(session: Omit<OpenSession, 'keys'>, plate: string | null, cred: Credential): void {
    // The same keys the database's anti-passback query matches on (sessions.ts findOpenSession).
    const keys = [...new Set([key(cred.kind, cred.value), ...(plate ? [key('plate', plate)] : [])])];
    const { id } = session;
    this.sessions.set(id, { ...session, keys });
    for (const k of keys) {
      let ids = this.sessionsByKey.get(k);
      if (!ids) {
        ids = new Set();
        this.sessionsByKey.set(k, ids);
      }
      ids.add(id);
    }
  }

  private closeSession(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    for (const k of session.keys) {
      const ids = this.sessionsByKey.get(k);
      ids?.delete(id);
      if (ids?.size === 0) this.sessionsByKey.delete(k);
    }
  }
}

function readCredential(value: unknown): Credential | null {
  if (typeof value !== 'object' || value === null) return null;
  const { kind, value: v } = value as { kind?: unknown; value?: unknown };
  if ((kind !== 'plate' && kind !== 'rfid') || typeof v !== 'string' || v.length === 0) return null;
  return { kind, value: v };
}

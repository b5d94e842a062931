import type { Credential, DomainEvent } from '@parkinglot/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ADMIN, domainContext } from '../../test/support/domain.js';
import { prng } from '../../test/support/random.js';
import type { Gate } from '../db/schema.js';
import { iso } from '../util/time.js';
import { AdmissionView } from './admission-view.js';
import { decideEntry, readEntryFacts } from './authorization.js';
import type { EntryFacts } from './entry-rules.js';
import { addSpace, registerFacility, registerGate } from './facilities.js';
import { ingestGateEvents } from './ingestion.js';
import { registerMember } from './members.js';
import { cancel, expireDue, reserve } from './reservations.js';

/** What a decision reads, without the columns only an allow uses. */
const comparable = (facts: EntryFacts | null) =>
  facts && {
    memberId: facts.memberId,
    openSessionId: facts.openSessionId,
    live: facts.live.map(({ id, facilityId, plate, admission }) => ({ id, facilityId, plate, admission })),
  };

describe('AdmissionView: the entry facts kept in memory', () => {
  let env: Awaited<ReturnType<typeof domainContext>>;

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 10, 24, 8) });
    env = await domainContext(
      { reservationHoldMs: 30 * 60_000, admissionWindowMs: 60_000 },
      { admissions: true },
    );
  });
  afterEach(async () => {
    vi.useRealTimers();
    await env.close();
  });

  async function site() {
    const { ctx } = env;
    const f1 = await registerFacility(ctx, { name: 'F1' });
    const f2 = await registerFacility(ctx, { name: 'F2' });
    const spaces = [
      ...(await Promise.all(['A1', 'A2', 'A3'].map((label) => addSpace(ctx, f1.id, { label, floor: '1' })))),
      ...(await Promise.all(['B1', 'B2'].map((label) => addSpace(ctx, f2.id, { label, floor: '1' })))),
    ];
    const gateRow = async (facilityId: string, direction: 'entry' | 'exit') => {
      const g = await registerGate(ctx, facilityId, { name: `${direction} ${facilityId}`, direction });
      return ctx.db.selectFrom('gates').selectAll().where('id', '=', g.id).executeTakeFirstOrThrow();
    };
    const entries = [await gateRow(f1.id, 'entry'), await gateRow(f2.id, 'entry')];
    const exits = [await gateRow(f1.id, 'exit'), await gateRow(f2.id, 'exit')];
    const members = [
      await registerMember(ctx, { name: 'M1', plates: ['11가1111', '11가1112'], rfidTags: ['TAG1'] }),
      await registerMember(ctx, { name: 'M2', plates: ['22나2222'], rfidTags: [] }),
      await registerMember(ctx, { name: 'M3', plates: ['33DA333'], rfidTags: ['TAG3'] }),
    ];
    const credentials: Credential[] = [
      ...members.flatMap((m) => [
        ...m.plates.map((value) => ({ kind: 'plate' as const, value })),
        ...m.rfidTags.map((value) => ({ kind: 'rfid' as const, value })),
      ]),
      { kind: 'plate', value: '99XX999' },
    ];
    return { spaces, entries, exits, members, credentials };
  }

  /** At each facility: where a session counts for anti-passback depends on it (entry-rules.ts countsAt). */
  async function expectViewMatchesDatabase(credentials: Credential[], step: string) {
    const nowIso = iso(Date.now());
    const facilities = await env.ctx.db.selectFrom('facilities').select('id').execute();
    for (const { id: facilityId } of facilities) {
      for (const cred of credentials) {
        const fromView = comparable(env.ctx.admissions!.facts(cred, nowIso, facilityId));
        const fromDb = comparable(await readEntryFacts(env.ctx.db, cred, nowIso, facilityId));
        expect(fromView, `${step}: ${cred.kind} ${cred.value} at ${facilityId}`).toEqual(fromDb);
      }
    }
  }

  it('answers as the database does after every step of a random day at two facilities', async () => {
    const { ctx } = env;
    const { spaces, entries, exits, members, credentials } = await site();
    const random = prng(20261124);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    const reservations: string[] = [];
    const requests: { requestId: string; gate: Gate }[] = [];
    let n = 0;
    const send = (gate: Gate, event: Record<string, unknown>) =>
      ingestGateEvents(ctx, gate, JSON.stringify({ eventId: `evt-${++n}`, at: iso(Date.now()), ...event }));

    for (let step = 0; step < 400; step++) {
      const roll = random();
      const cred = pick(credentials);
      const label = `step ${step}`;
      if (roll < 0.2) {
        const member = pick(members);
        const made = await reserve(ctx, {
          memberId: member.id,
          spaceId: pick(spaces).id,
          plate: pick(member.plates),
        }).catch(() => null);
        if (made) reservations.push(made.id);
      } else if (roll < 0.3 && reservations.length > 0) {
        await cancel(ctx, pick(reservations), ADMIN).catch(() => null);
      } else if (roll < 0.55) {
        const requestId = `req-${step}`;
        const gate = pick(entries);
        const answer = await decideEntry(ctx, {
          gateId: gate.id,
          lookupGate: async () => gate,
          payload: JSON.stringify({ requestId, credential: cred, at: iso(Date.now()) }),
        });
        if (answer.decision === 'allow') requests.push({ requestId, gate });
      } else if (roll < 0.7) {
        const allowed = random() < 0.7 && requests.length > 0 ? pick(requests) : undefined;
        await send(allowed?.gate ?? pick(entries), {
          type: 'Started',
          credential: cred,
          ...(allowed ? { requestId: allowed.requestId } : {}),
        });
      } else if (roll < 0.82) {
        await send(pick(exits), { type: 'Ended', credential: cred });
      } else if (roll < 0.88 && requests.length > 0) {
        const { gate, requestId } = requests.at(-1)!;
        await send(gate, { type: 'EntryAborted', requestId });
      } else {
        vi.setSystemTime(Date.now() + Math.floor(random() * 20 * 60_000));
        if (random() < 0.5) await expireDue(ctx);
      }
      await expectViewMatchesDatabase(credentials, label);
    }
    // The day was varied enough to mean something.
    const types = await ctx.db.selectFrom('event_log').select('type').distinct().execute();
    expect(types.map((t) => t.type)).toEqual(
      expect.arrayContaining([
        'SpaceReserved',
        'ReservationCanceled',
        'ReservationExpired',
        'EntryAllowed',
        'EntryAborted',
        'ParkingStarted',
        'ParkingEnded',
      ]),
    );
    expect(ctx.admissions!.reloads).toBe(0);
  });

  it('loads what is already in the tables when it starts', async () => {
    const { ctx } = env;
    const { spaces, entries, members, credentials } = await site();
    const m1 = members[0]!;
    await reserve(ctx, { memberId: m1.id, spaceId: spaces[0]!.id, plate: m1.plates[0]! });
    const held = await reserve(ctx, { memberId: members[1]!.id, spaceId: spaces[1]!.id, plate: '22나2222' });
    await ingestGateEvents(
      ctx,
      entries[0],
      JSON.stringify({
        eventId: 'e1',
        type: 'Started',
        credential: { kind: 'plate', value: '22나2222' },
        at: iso(Date.now()),
      }),
    );
    expect(held.id).toBeTruthy();

    const restarted = new AdmissionView({ db: ctx.db, bus: ctx.bus, log: ctx.log });
    await restarted.start();
    try {
      const nowIso = iso(Date.now());
      const facilityId = entries[0]!.facility_id;
      for (const cred of credentials) {
        expect(comparable(restarted.facts(cred, nowIso, facilityId))).toEqual(
          comparable(await readEntryFacts(ctx.db, cred, nowIso, facilityId)),
        );
      }
      expect(
        restarted.facts({ kind: 'plate', value: '22나2222' }, nowIso, facilityId)?.openSessionId,
      ).toBeTruthy();
    } finally {
      await restarted.stop();
    }
  });

  it('reloads after a gap in the sequence, and meanwhile leaves decisions to the database', async () => {
    const { ctx } = env;
    const { spaces, entries, members, credentials } = await site();
    const m2 = members[1]!;
    const view = ctx.admissions!;
    // An event it never heard of: as if a commit's notification had been lost.
    const lost: DomainEvent = {
      seq: 10_000,
      id: 'dev-lost',
      type: 'GateEventRecorded',
      aggregateType: 'gate_event',
      aggregateId: 'x',
      facilityId: null,
      occurredAt: iso(Date.now()),
      data: {},
    };
    await reserve(ctx, { memberId: m2.id, spaceId: spaces[0]!.id, plate: '22나2222' });
    view.apply([lost]);
    expect(view.ready).toBe(false);
    expect(
      view.facts({ kind: 'plate', value: '22나2222' }, iso(Date.now()), entries[0]!.facility_id),
    ).toBeNull();
    const gate = entries[0]!;
    const answer = await decideEntry(ctx, {
      gateId: gate.id,
      lookupGate: async () => gate,
      payload: JSON.stringify({
        requestId: 'r1',
        credential: { kind: 'plate', value: '22나2222' },
        at: iso(Date.now()),
      }),
    });
    expect(answer.decision).toBe('allow');
    await view.idle();
    expect(view.ready).toBe(true);
    expect(view.reloads).toBe(1);
    await expectViewMatchesDatabase(credentials, 'after the reload');
  });

  it('reloads when an event lacks what it needs', async () => {
    const { ctx } = env;
    const { credentials } = await site();
    const view = ctx.admissions!;
    const next = (
      await ctx.db
        .selectFrom('event_log')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .executeTakeFirstOrThrow()
    ).seq;
    view.apply([
      {
        seq: Number(next) + 1,
        id: 'dev-odd',
        type: 'SpaceReserved',
        aggregateType: 'reservation',
        aggregateId: 'res-odd',
        facilityId: null,
        occurredAt: iso(Date.now()),
        data: { reservationId: 'res-odd' },
      },
    ]);
    expect(view.ready).toBe(false);
    await view.idle();
    expect(view.ready).toBe(true);
    await expectViewMatchesDatabase(credentials, 'after the reload');
  });
});

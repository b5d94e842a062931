/**
 * Guards for the cases that let a second car in, lose an event, or strand a member: each named by
 * what would go wrong without it.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestCloud } from '../../src/testing/cloud.js';
import { event, TestGate } from '../../src/testing/gate.js';
import { startSite, type TestSite } from '../../src/testing/site.js';

describe('authorization and ingestion guards', () => {
  let env: TestSite;
  let t: TestCloud;
  let site: TestSite['site'];
  let entry: TestGate;
  let exit: TestGate;
  let entry2: TestGate;

  beforeAll(async () => {
    env = await startSite(['G-1', 'G-2', 'G-3', 'G-4', 'G-5', 'G-6']);
    ({ t, site, entry, exit } = env);
    const second = await t.api.expect(201, 'POST', `/api/facilities/${site.facility.id}/gates`, {
      name: 'South entry',
      direction: 'entry',
    });
    entry2 = await TestGate.connect(t.cloud.mqttUrl, second.mqtt.username, second.mqtt.password);
  });
  afterAll(async () => {
    await entry2?.close();
    await env?.close();
  });

  const db = () => t.cloud.ctx.db;

  it('lets one plate in once even when its member holds two reservations and two gates ask at once', async () => {
    const m = await t.api.member('Two cars', ['TW01', 'TW02']);
    await t.api.reserve(m.token, site.spaces[0].id, 'TW01');
    await t.api.reserve(m.token, site.spaces[1].id, 'TW02');
    const answers = await Promise.all([
      entry.authorize({ kind: 'plate', value: 'TW01' }),
      entry2.authorize({ kind: 'plate', value: 'TW01' }),
    ]);
    expect(answers.map((a) => a.decision).sort()).toEqual(['allow', 'deny']);
    expect(answers.find((a) => a.decision === 'deny')).toMatchObject({ reason: 'admission_pending' });
    // The member's other car is still welcome.
    expect((await entry2.authorize({ kind: 'plate', value: 'TW02' })).decision).toBe('allow');
  });

  it('refuses to cancel a reservation whose car is being let in (409 admission_pending)', async () => {
    const m = await t.api.member('Entering', ['EN01']);
    const r = await t.api.reserve(m.token, site.spaces[2].id, 'EN01');
    expect((await entry.authorize({ kind: 'plate', value: 'EN01' })).decision).toBe('allow');
    const res = await t.api.call('POST', `/api/reservations/${r.id}/cancel`, { token: m.token });
    expect(res).toMatchObject({ status: 409, body: { error: 'admission_pending' } });
    const s = event('Started', { kind: 'plate', value: 'EN01' }, { reservationId: r.id });
    await entry.sendEvents(s, s.eventId);
    const row = await db()
      .selectFrom('reservations')
      .select('status')
      .where('id', '=', r.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('in_use');
  });

  it('releases an allow the gate never saw when it reports EntryAborted with the requestId', async () => {
    const m = await t.api.member('Late answer', ['LA01']);
    await t.api.reserve(m.token, site.spaces[3].id, 'LA01');
    const allow = await entry.authorize({ kind: 'plate', value: 'LA01' });
    expect(allow.decision).toBe('allow');
    expect((await entry.authorize({ kind: 'plate', value: 'LA01' })).reason).toBe('admission_pending');
    // The gate had timed out and denied; it knows only its requestId.
    const aborted = event('EntryAborted', { kind: 'plate', value: 'LA01' }, { requestId: allow.requestId });
    await entry.sendEvents(aborted, aborted.eventId);
    expect((await entry.authorize({ kind: 'plate', value: 'LA01' })).decision).toBe('allow');
  });

  it('reconciles an early Ended with a Started whose time has another offset', async () => {
    const m = await t.api.member('Offsets', ['OF01']);
    const r = await t.api.reserve(m.token, site.spaces[4].id, 'OF01');
    const ended = event('Ended', { kind: 'plate', value: 'OF01' }, { at: '2026-11-23T23:30:00.000Z' });
    await exit.sendEvents(ended, ended.eventId);
    // 08:00 in +09:00 is 23:00 UTC: before the Ended, although later as text.
    const started = event(
      'Started',
      { kind: 'plate', value: 'OF01' },
      { at: '2026-11-24T08:00:00.000+09:00' },
    );
    await entry.sendEvents(started, started.eventId);
    const row = await db()
      .selectFrom('reservations')
      .select('status')
      .where('id', '=', r.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('completed');
    const session = await db()
      .selectFrom('parking_sessions')
      .selectAll()
      .where('reservation_id', '=', r.id)
      .executeTakeFirstOrThrow();
    expect(session).toMatchObject({ status: 'closed', started_at: '2026-11-23T23:00:00.000Z' });
  });

  it('keeps an event with an unreadable plate as an anomaly, with the raw read, and acks it', async () => {
    const ended = event('Ended', { kind: 'plate', value: '12가3456?' });
    const ack = await exit.sendEvents(ended, ended.eventId);
    expect(ack.eventIds).toEqual([ended.eventId]);
    const row = await db()
      .selectFrom('gate_events')
      .selectAll()
      .where('event_id', '=', ended.eventId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      outcome: 'anomaly',
      anomaly: 'unreadable_credential',
      credential_value: '12가3456?',
    });
    const published = await db()
      .selectFrom('event_log')
      .select('data')
      .where('aggregate_id', '=', ended.eventId)
      .execute();
    expect(published.map((p) => JSON.parse(p.data).anomaly)).toEqual(['unreadable_credential']);
  });

  it('answers an over-large batch by id, so the outbox can split it', async () => {
    const events = Array.from({ length: 257 }, () => event('Denied', { kind: 'plate', value: 'BIG1' }));
    const ack = await entry.sendEvents({ events }, events[0]!.eventId);
    expect(ack.eventIds).toEqual([]);
    expect(ack.rejected).toHaveLength(257);
    expect(ack.rejected![0]!.error).toMatch(/^batch_too_large/);
    const stored = await db()
      .selectFrom('gate_events')
      .select('event_id')
      .where('event_id', '=', events[0]!.eventId)
      .execute();
    expect(stored).toHaveLength(0);
  });

  it('commits durably (sqlite synchronous=FULL, PostgreSQL synchronous_commit=on), so an acked event survives a power cut', async () => {
    if (env.t.cloud.dialect === 'sqlite') {
      const { rows } = await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(db());
      expect(rows[0]!.synchronous).toBe(2);
    } else {
      const { rows } = await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(db());
      expect(rows[0]!.synchronous_commit).toBe('on');
    }
  });

  it('finds a plate registered right after it was refused as unknown (owners are cached, misses are not)', async () => {
    expect((await entry.authorize({ kind: 'plate', value: 'NEW001' })).reason).toBe('unknown_credential');
    const m = await t.api.member('Just joined', ['NEW001']);
    expect((await entry.authorize({ kind: 'plate', value: 'NEW001' })).reason).toBe('no_reservation');
    await t.api.reserve(m.token, site.spaces[5].id, 'NEW001');
    expect((await entry.authorize({ kind: 'plate', value: 'NEW001' })).decision).toBe('allow');
  });
});

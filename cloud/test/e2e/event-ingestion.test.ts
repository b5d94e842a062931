/** Gate events over MQTT: applied once by eventId, acked after commit, anomalies recorded, never lost. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestCloud } from '../../src/testing/cloud.js';
import { event, type TestGate } from '../../src/testing/gate.js';
import { startSite, type TestSite } from '../../src/testing/site.js';

describe('event ingestion', () => {
  let env: TestSite;
  let t: TestCloud;
  let site: TestSite['site'];
  let entry: TestGate;
  let exit: TestGate;

  beforeAll(async () => {
    env = await startSite(['I-1', 'I-2', 'I-3', 'I-4']);
    ({ t, site, entry, exit } = env);
  });
  afterAll(async () => env?.close());

  const db = () => t.cloud.ctx.db;
  const reserveFor = async (name: string, plate: string, spaceIndex: number) => {
    const m = await t.api.member(name, [plate]);
    const r = await t.api.reserve(m.token, site.spaces[spaceIndex].id, plate);
    return { member: m, reservation: r };
  };

  it('applies a repeated Started once and acks every delivery', async () => {
    const { reservation } = await reserveFor('Once', '10OK100', 0);
    const started = event('Started', { kind: 'plate', value: '10OK100' });
    const seqBefore = (
      await db()
        .selectFrom('event_log')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n;
    for (let i = 0; i < 3; i++)
      expect((await entry.sendEvents(started, started.eventId)).eventIds).toEqual([started.eventId]);
    const sessions = await db()
      .selectFrom('parking_sessions')
      .selectAll()
      .where('reservation_id', '=', reservation.id)
      .execute();
    expect(sessions).toHaveLength(1);
    const started_ = await db()
      .selectFrom('event_log')
      .select('type')
      .where('type', '=', 'ParkingStarted')
      .execute();
    expect(started_).toHaveLength(1);
    const seqAfter = (
      await db()
        .selectFrom('event_log')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n;
    expect(Number(seqAfter) - Number(seqBefore)).toBe(1);
  });

  it('takes a batch in order and acks all of it', async () => {
    await reserveFor('Batch', '20BT200', 1);
    const s = event('Started', { kind: 'plate', value: '20BT200' });
    const denied = event('Denied', { kind: 'plate', value: '77NO777' }, { reason: 'unknown_credential' });
    const ack = await entry.sendEvents({ events: [s, denied] }, s.eventId);
    expect(ack.eventIds).toEqual([s.eventId, denied.eventId]);
    const rows = await db()
      .selectFrom('gate_events')
      .select(['event_id', 'outcome'])
      .where('event_id', 'in', [s.eventId, denied.eventId])
      .execute();
    expect(Object.fromEntries(rows.map((r) => [r.event_id, r.outcome]))).toEqual({
      [s.eventId]: 'applied',
      [denied.eventId]: 'recorded',
    });
  });

  it('applies a batch in one go, each event once even when the batch repeats it', async () => {
    const a = event('Denied', { kind: 'plate', value: '60BA600' }, { reason: 'x' });
    const b = event('Denied', { kind: 'plate', value: '61BA611' }, { reason: 'y' });
    const before = await db()
      .selectFrom('event_log')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const ack = await entry.sendEvents({ events: [a, b, a] }, a.eventId);
    expect(ack.eventIds).toEqual([a.eventId, b.eventId, a.eventId]);
    const rows = await db()
      .selectFrom('gate_events')
      .select('event_id')
      .where('event_id', 'in', [a.eventId, b.eventId])
      .execute();
    expect(rows).toHaveLength(2);
    const after = await db()
      .selectFrom('event_log')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n) - Number(before.n)).toBe(2);
  });

  it('rejects invalid events by id, survives garbage, and changes nothing', async () => {
    const before = await db()
      .selectFrom('event_log')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const ack = await entry.sendEvents(
      { events: [{ eventId: 'bad-1', type: 'Started', at: 'not-a-time' }] },
      'bad-1',
    );
    expect(ack.eventIds).toEqual([]);
    expect(ack.rejected?.[0]).toMatchObject({ eventId: 'bad-1', error: expect.any(String) });
    await entry.client.publishAsync(`parking/gates/${entry.gateId}/events`, '{{{{', { qos: 1 });
    await entry.client.publishAsync(`parking/gates/${entry.gateId}/events`, Buffer.alloc(300_000, 65), {
      qos: 1,
    });
    // Still serving: a valid event after the garbage is applied.
    const denied = event('Denied', { kind: 'plate', value: '88GG888' });
    expect((await entry.sendEvents(denied, denied.eventId)).eventIds).toEqual([denied.eventId]);
    const after = await db()
      .selectFrom('event_log')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n) - Number(before.n)).toBe(1);
    expect(
      await t.counter('parking_gate_event_problems_total', { problem: 'unreadable' }),
    ).toBeGreaterThanOrEqual(2);
  });

  it('records an Ended without a session as an anomaly and reconciles it when the Started arrives late', async () => {
    const { reservation } = await reserveFor('Late', '30LT300', 2);
    const enteredAt = new Date(Date.now() - 60_000).toISOString();
    const ended = event('Ended', { kind: 'plate', value: '30LT300' }, { at: new Date().toISOString() });
    expect((await exit.sendEvents(ended, ended.eventId)).eventIds).toEqual([ended.eventId]);
    const anomaly = await db()
      .selectFrom('gate_events')
      .selectAll()
      .where('event_id', '=', ended.eventId)
      .executeTakeFirstOrThrow();
    expect(anomaly).toMatchObject({ outcome: 'anomaly', anomaly: 'ended_without_session' });

    const started = event('Started', { kind: 'plate', value: '30LT300' }, { at: enteredAt });
    await entry.sendEvents(started, started.eventId);
    const r = await db()
      .selectFrom('reservations')
      .select('status')
      .where('id', '=', reservation.id)
      .executeTakeFirstOrThrow();
    expect(r.status).toBe('completed');
    const space = await db()
      .selectFrom('spaces')
      .select('status')
      .where('id', '=', site.spaces[2].id)
      .executeTakeFirstOrThrow();
    expect(space.status).toBe('available');
    const reconciled = await db()
      .selectFrom('gate_events')
      .selectAll()
      .where('event_id', '=', ended.eventId)
      .executeTakeFirstOrThrow();
    expect(reconciled.outcome).toBe('applied');
  });

  it('reconciles an Ended that comes before its Started in the same batch', async () => {
    await t.api.member('Same batch', ['31SB311']);
    const cred = { kind: 'plate' as const, value: '31SB311' };
    const ended = event('Ended', cred, { at: new Date().toISOString() });
    const started = event('Started', cred, { at: new Date(Date.now() - 60_000).toISOString() });
    const ack = await entry.sendEvents({ events: [ended, started] }, started.eventId);
    expect(ack.eventIds).toEqual([ended.eventId, started.eventId]);
    const rows = await db()
      .selectFrom('gate_events')
      .select(['event_id', 'outcome', 'anomaly'])
      .where('event_id', 'in', [ended.eventId, started.eventId])
      .orderBy('occurred_at')
      .execute();
    expect(rows).toEqual([
      { event_id: started.eventId, outcome: 'anomaly', anomaly: 'started_without_reservation' },
      { event_id: ended.eventId, outcome: 'applied', anomaly: 'ended_before_started_reconciled' },
    ]);
    const open = await db()
      .selectFrom('parking_sessions')
      .select('id')
      .where('credential_value', '=', '31SB311')
      .where('status', '=', 'open')
      .execute();
    expect(open).toEqual([]);
  });

  it('closes the session of a car that came in on its plate and leaves on its owner’s tag', async () => {
    const m = await t.api.member('Tag exit', ['32TG322'], ['0A1B2C3D32']);
    const r = await t.api.reserve(m.token, site.spaces[3].id, '32TG322');
    const started = event('Started', { kind: 'plate', value: '32TG322' });
    await entry.sendEvents(started, started.eventId);
    const ended = event('Ended', { kind: 'rfid', value: '0A1B2C3D32' });
    await exit.sendEvents(ended, ended.eventId);
    const row = await db()
      .selectFrom('gate_events')
      .select(['outcome', 'anomaly'])
      .where('event_id', '=', ended.eventId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ outcome: 'applied', anomaly: null });
    const reservation = await db()
      .selectFrom('reservations')
      .select('status')
      .where('id', '=', r.id)
      .executeTakeFirstOrThrow();
    expect(reservation.status).toBe('completed');
  });

  it('opens a session for a Started without a reservation (anomaly) so the car can still leave', async () => {
    await t.api.member('Walk-in', ['40WK400']);
    const started = event('Started', { kind: 'plate', value: '40WK400' });
    await entry.sendEvents(started, started.eventId);
    const row = await db()
      .selectFrom('gate_events')
      .selectAll()
      .where('event_id', '=', started.eventId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ outcome: 'anomaly', anomaly: 'started_without_reservation' });
    expect((await entry.authorize({ kind: 'plate', value: '40WK400' })).reason).toBe('already_inside');
    const ended = event('Ended', { kind: 'plate', value: '40WK400' });
    await exit.sendEvents(ended, ended.eventId);
    const open = await db()
      .selectFrom('parking_sessions')
      .select('id')
      .where('plate', '=', '40WK400')
      .where('status', '=', 'open')
      .execute();
    expect(open).toHaveLength(0);
  });

  it('dates the events of a gate whose clock is 10 minutes ahead on the cloud’s clock, and applies them', async () => {
    const { reservation } = await reserveFor('Skewed', '60SK600', 2);
    const admitted = await entry.authorize({ kind: 'plate', value: '60SK600' });
    expect(admitted).toMatchObject({ decision: 'allow', reservationId: reservation.id });
    // The gate's clock: 10 minutes ahead. The car passed 2 s (gate time) before the batch was sent.
    const gateNow = Date.now() + 10 * 60_000;
    const started = {
      ...event('Started', { kind: 'plate', value: '60SK600' }, { reservationId: reservation.id }),
      at: new Date(gateNow - 2_000).toISOString(),
    };
    // Without sentAt the cloud cannot tell the clock is off: such an event is out of its window.
    const stray = {
      ...event('Denied', { kind: 'plate', value: 'ZZ9' }, { reason: 'no_reservation' }),
      at: new Date(gateNow).toISOString(),
    };
    await entry.sendEvents(stray, stray.eventId);
    const sending = Date.now();
    await entry.sendEvents({ events: [started], sentAt: new Date(gateNow).toISOString() }, started.eventId);
    const acked = Date.now();
    const rows = await db()
      .selectFrom('gate_events')
      .select(['event_id', 'outcome', 'anomaly', 'occurred_at', 'payload'])
      .where('event_id', 'in', [stray.eventId, started.eventId])
      .execute();
    const byId = new Map(rows.map((r) => [r.event_id, r]));
    expect(byId.get(stray.eventId)).toMatchObject({ outcome: 'anomaly', anomaly: 'time_out_of_window' });
    const applied = byId.get(started.eventId)!;
    expect(applied.outcome).toBe('applied');
    // 2 s before the cloud received it, on the cloud's clock, which it read between the send and the ack.
    const received = Date.parse(applied.occurred_at) + 2_000;
    expect(received).toBeGreaterThanOrEqual(sending);
    expect(received).toBeLessThanOrEqual(acked);
    expect(JSON.parse(applied.payload).detail).toEqual({ gateClockAt: started.at });
    const session = await db()
      .selectFrom('parking_sessions')
      .select(['status', 'started_at'])
      .where('reservation_id', '=', reservation.id)
      .executeTakeFirstOrThrow();
    expect(session).toMatchObject({ status: 'open', started_at: applied.occurred_at });
    expect(await t.counter('parking_gate_event_problems_total', { problem: 'clock_skew' })).toBe(1);
  });

  it('releases a pending admission on EntryAborted', async () => {
    const { reservation } = await reserveFor('Backs away', '50BA500', 3);
    expect((await entry.authorize({ kind: 'plate', value: '50BA500' })).decision).toBe('allow');
    expect((await entry.authorize({ kind: 'plate', value: '50BA500' })).reason).toBe('admission_pending');
    const aborted = event(
      'EntryAborted',
      { kind: 'plate', value: '50BA500' },
      { reservationId: reservation.id },
    );
    await entry.sendEvents(aborted, aborted.eventId);
    expect((await entry.authorize({ kind: 'plate', value: '50BA500' })).decision).toBe('allow');
  });

  it('releases an admission only for the request an EntryAborted names, not a newer one', async () => {
    const space = await t.api.expect(201, 'POST', `/api/facilities/${site.facility.id}/spaces`, {
      label: 'I-9',
      floor: 1,
    });
    const m = await t.api.member('Twice read', ['30TW300']);
    await t.api.reserve(m.token, space.id, '30TW300');
    const older = await entry.authorize({ kind: 'plate', value: '30TW300' });
    expect(older.decision).toBe('allow');
    const held = () =>
      db()
        .selectFrom('reservations')
        .select(['admission_request_id'])
        .where('plate', '=', '30TW300')
        .executeTakeFirstOrThrow();
    const reservationId = (older as { reservationId: string }).reservationId;
    // An abort of some other request for the same reservation (a late one, say) holds on.
    const stale = event('EntryAborted', undefined, { reservationId, requestId: 'req-someone-else' });
    await entry.sendEvents(stale, stale.eventId);
    expect((await held()).admission_request_id).toBe(older.requestId);
    const own = event('EntryAborted', undefined, { reservationId, requestId: older.requestId });
    await entry.sendEvents(own, own.eventId);
    expect((await held()).admission_request_id).toBeNull();
  });
});

/**
 * A PostgreSQL restart under a running cloud, on a server of the test's own: /readyz says 503
 * while it is down, nothing is acked or allowed that was not committed, and once it is back the
 * cloud reconnects by itself and the gate's unacked events are applied, once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  event,
  eventually,
  startTestCloud,
  startTestPostgresServer,
  type TestCloud,
  TestGate,
  type TestPostgresServer,
} from '../../src/testing/index.js';

describe('a PostgreSQL restart', () => {
  let server: TestPostgresServer;
  let t: TestCloud;
  let entry: TestGate;
  let exit: TestGate;
  let site: Awaited<ReturnType<TestCloud['api']['seedFacility']>>;

  beforeAll(async () => {
    server = await startTestPostgresServer();
    t = await startTestCloud({ databaseUrl: server.url });
    site = await t.api.seedFacility(['P-1', 'P-2']);
    entry = await TestGate.connect(t.cloud.mqttUrl, site.entry.mqtt.username, site.entry.mqtt.password);
    exit = await TestGate.connect(t.cloud.mqttUrl, site.exit.mqtt.username, site.exit.mqtt.password);
  }, 60_000);
  afterAll(async () => {
    await entry?.close();
    await exit?.close();
    await t?.close();
    server?.close();
  });

  const ready = async () => (await fetch(`${t.cloud.httpUrl}/readyz`)).status;

  it('is not ready while it is down, fails closed, and catches up once it is back', async () => {
    const plate = '12가3456';
    const member = await t.api.member('Restart', [plate]);
    const reservation = await t.api.reserve(member.token, site.spaces[0]!.id, plate);
    expect(await entry.authorize({ kind: 'plate', value: plate })).toMatchObject({ decision: 'allow' });
    const started = event('Started', { kind: 'plate', value: plate }, { reservationId: reservation.id });
    await entry.sendEvents({ events: [started] }, started.eventId);

    server.stop();
    await eventually(async () => (await ready()) === 503);
    // Writes are refused as unavailable, an entry is denied, and an exit's event is not acked.
    const refused = await t.api.call('POST', '/api/members', {
      body: { name: 'Later', plates: ['34나5678'] },
    });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: 'unavailable' });
    const other = await t.api.member('Second', ['56다7890']).catch(() => null);
    expect(other).toBeNull();
    expect((await entry.authorize({ kind: 'plate', value: plate })).decision).toBe('deny');
    const ended = event('Ended', { kind: 'plate', value: plate });
    await expect(exit.sendEvents({ events: [ended] }, ended.eventId, 2_000)).rejects.toThrow(/no ack/);

    server.start();
    await eventually(async () => (await ready()) === 200);
    // The gate's outbox sends the same batch again: applied once, and the car is out.
    const ack = await exit.sendEvents({ events: [ended] }, ended.eventId);
    expect(ack.eventIds).toEqual([ended.eventId]);
    const again = await exit.sendEvents({ events: [ended] }, ended.eventId);
    expect(again.eventIds).toEqual([ended.eventId]);
    const rows = await t.cloud.ctx.db
      .selectFrom('gate_events')
      .select('outcome')
      .where('event_id', '=', ended.eventId)
      .execute();
    expect(rows).toEqual([{ outcome: 'applied' }]);
    const session = await t.cloud.ctx.db
      .selectFrom('parking_sessions')
      .select('status')
      .where('reservation_id', '=', reservation.id)
      .executeTakeFirstOrThrow();
    expect(session.status).toBe('closed');
    // Reservations and entries work again, and the leader's projector is back on the schedule.
    const next = await t.api.member('After', ['78라1234']);
    const r2 = await t.api.reserve(next.token, site.spaces[1]!.id, '78라1234');
    expect(await entry.authorize({ kind: 'plate', value: '78라1234' })).toMatchObject({ decision: 'allow' });
    await eventually(async () => {
      const schedule = await t.api.expect(200, 'GET', `/api/schedule?facilityId=${site.facility.id}`);
      return schedule.spaces.find((s: { id: string }) => s.id === r2.spaceId)?.status === 'reserved';
    });
  }, 90_000);
});

/**
 * Two cloud instances on one PostgreSQL and one Mosquitto, whatever PARKING_TEST_VARIANT says:
 * the gates' requests are shared between them, and each instance's in-memory view follows what the
 * other commits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEDULE_CHECKPOINT } from '../../src/projection/schedule-projector.js';
import { Api } from '../../src/testing/api.js';
import { event, TestGate } from '../../src/testing/gate.js';
import { eventually, startTestCloud, type TestCloud } from '../../src/testing/index.js';

describe('two instances on PostgreSQL and Mosquitto', () => {
  let t: TestCloud;
  let site: Awaited<ReturnType<TestCloud['api']['seedFacility']>>;
  let entry: TestGate;
  let exit: TestGate;

  beforeAll(async () => {
    t = await startTestCloud({}, { variant: 'postgres-mosquitto' });
    site = await t.api.seedFacility(Array.from({ length: 40 }, (_, i) => `I-${i + 1}`));
    entry = await TestGate.connect(t.cloud.mqttUrl, site.entry.mqtt.username, site.entry.mqtt.password);
    exit = await TestGate.connect(t.cloud.mqttUrl, site.exit.mqtt.username, site.exit.mqtt.password);
  });
  afterAll(async () => {
    await entry?.close();
    await exit?.close();
    await t?.close();
  });

  const answered = (instance: TestCloud['cloud']) => instance.metrics.value('parking_auth_decisions_total');
  const acked = (instance: TestCloud['cloud']) =>
    instance.metrics.value('parking_gate_events_ingested_total');

  it('runs the once-only work on one of them', () => {
    expect(t.peers).toHaveLength(1);
    expect([t.cloud.leaderWork.leading, t.peers[0]!.leaderWork.leading]).toEqual([true, false]);
  });

  it('allows at once a reservation made through the other instance, whichever answers (never a false no_reservation)', async () => {
    const b = t.peers[0]!;
    const before = { a: await answered(t.cloud), b: await answered(b) };
    for (let i = 0; i < 30; i++) {
      const plate = `${10 + i}가${1000 + i}`;
      const member = await t.api.member(`Member ${i}`, [plate]);
      // Made through instance A's HTTP API; the gate's request goes to A or B ($share).
      const reserved = await t.api.reserve(member.token, site.spaces[i]!.id, plate);
      expect(reserved.status).toBe('reserved');
      const answer = await entry.authorize({ kind: 'plate', value: plate });
      expect(answer, `request ${i}`).toMatchObject({ decision: 'allow' });
    }
    // Both answered some: the requests were shared, and each answered once (30 in all).
    const a = (await answered(t.cloud)) - before.a;
    const bAnswered = (await answered(b)) - before.b;
    expect(a + bAnswered).toBe(30);
    expect(bAnswered).toBeGreaterThan(0);
    expect(a).toBeGreaterThan(0);
  });

  it('keeps one gate’s events in order whichever instance applies each batch', async () => {
    const cars = [];
    for (let i = 0; i < 10; i++) {
      const plate = `${50 + i}오${2000 + i}`;
      const member = await t.api.member(`Order ${i}`, [plate]);
      const reservation = await t.api.reserve(member.token, site.spaces[30 + i]!.id, plate);
      cars.push({ plate, reservationId: reservation.id as string });
    }
    const before = {
      a: await acked(t.cloud),
      b: await acked(t.peers[0]!),
    };
    // Each car goes in and out in two batches, one after the other's ack, as an outbox sends them.
    for (const { plate, reservationId } of cars) {
      const credential = { kind: 'plate' as const, value: plate };
      const started = event('Started', credential, { reservationId });
      expect((await entry.sendEvents({ events: [started] }, started.eventId)).eventIds).toEqual([
        started.eventId,
      ]);
      const ended = event('Ended', credential);
      expect((await exit.sendEvents({ events: [ended] }, ended.eventId)).eventIds).toEqual([ended.eventId]);
    }
    const plates = cars.map((c) => c.plate);
    const rows = await t.cloud.ctx.db
      .selectFrom('gate_events')
      .select(['type', 'outcome', 'credential_value'])
      .where('credential_value', 'in', plates)
      .execute();
    expect(rows).toHaveLength(20);
    // An Ended applied before its Started would be an anomaly (no car inside).
    expect(rows.filter((r) => r.outcome === 'anomaly')).toEqual([]);
    const sessions = await t.cloud.ctx.db
      .selectFrom('parking_sessions')
      .select(['status'])
      .where('credential_value', 'in', plates)
      .execute();
    expect(sessions.map((s) => s.status)).toEqual(Array(10).fill('closed'));
    expect((await acked(t.cloud)) - before.a).toBeGreaterThan(0);
    expect((await acked(t.peers[0]!)) - before.b).toBeGreaterThan(0);
  });

  it('opens one session for a plate that two entry gates report at once, whichever instances apply them', async () => {
    const side = await t.api.expect(201, 'POST', `/api/facilities/${site.facility.id}/gates`, {
      name: 'Second entry',
      direction: 'entry',
    });
    const second = await TestGate.connect(t.cloud.mqttUrl, side.mqtt.username, side.mqtt.password);
    try {
      const plates = Array.from({ length: 10 }, (_, i) => `${70 + i}클${3000 + i}`);
      for (const plate of plates) {
        const a = event('Started', { kind: 'plate', value: plate });
        const b = event('Started', { kind: 'plate', value: plate });
        await Promise.all([
          entry.sendEvents({ events: [a] }, a.eventId),
          second.sendEvents({ events: [b] }, b.eventId),
        ]);
      }
      const open = await t.cloud.ctx.db
        .selectFrom('parking_sessions')
        .select(['plate'])
        .where('status', '=', 'open')
        .where('plate', 'in', plates)
        .execute();
      // One car inside per plate: the other report is an anomaly (already_inside), never a second session.
      expect(open.map((s) => s.plate).sort()).toEqual([...plates].sort());
    } finally {
      await second.close();
    }
  });

  it('closes the session of a car whose Ended and Started two instances apply at once', async () => {
    const plates = Array.from({ length: 20 }, (_, i) => `${50 + i}끝${4000 + i}`);
    for (const plate of plates) {
      const started = {
        ...event('Started', { kind: 'plate', value: plate }),
        at: new Date(Date.now() - 1_000).toISOString(),
      };
      const ended = event('Ended', { kind: 'plate', value: plate });
      // The exit's outbox drained first: its Ended and the entry's Started arrive together.
      await Promise.all([
        exit.sendEvents({ events: [ended] }, ended.eventId),
        entry.sendEvents({ events: [started] }, started.eventId),
      ]);
    }
    const open = await t.cloud.ctx.db
      .selectFrom('parking_sessions')
      .select('plate')
      .where('status', '=', 'open')
      .where('plate', 'in', plates)
      .execute();
    // Without the Ended taking the credential's turn, some of these stayed open for good.
    expect(open).toEqual([]);
    const unreconciled = await t.cloud.ctx.db
      .selectFrom('gate_events')
      .select('credential_value')
      .where('anomaly', '=', 'ended_without_session')
      .where('credential_value', 'in', plates)
      .execute();
    expect(unreconciled).toEqual([]);
  });

  it('hands the once-only work to the other instance when the leader stops', async () => {
    const b = t.peers[0]!;
    await t.cloud.stop();
    await eventually(() => b.leaderWork.leading);
    // The survivor projects what is committed from now on.
    const plate = '99하9999';
    const member = await new Api(b.httpUrl, b.operatorToken).member('After failover', [plate]);
    expect(member.id).toMatch(/^mem_/);
    await b.projector.catchUp();
    const head = await b.ctx.db
      .selectFrom('event_log')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    const checkpoint = await b.ctx.db
      .selectFrom('checkpoints')
      .select('seq')
      .where('name', '=', SCHEDULE_CHECKPOINT)
      .executeTakeFirst();
    expect(Number(checkpoint?.seq)).toBe(Number(head?.seq));
  });
});

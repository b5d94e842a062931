/**
 * The edge agent against a real cloud: the embedded aedes broker over real TCP, the cloud's sqlite
 * file, in-memory gate hardware.
 */
import { startTestCloud, type TestCloud } from '@parkinglot/cloud/testing';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGate, gateConfig, startFakeGate, startGatePair, until } from './support.js';

describe('edge agent with the cloud', () => {
  let t: TestCloud;
  let entry: FakeGate;
  let exit: FakeGate;
  let gates: Awaited<ReturnType<typeof startGatePair>>;
  let site: Awaited<ReturnType<TestCloud['api']['seedFacility']>>;

  beforeAll(async () => {
    t = await startTestCloud();
    site = await t.api.seedFacility(['E-1', 'E-2', 'E-3', 'E-4', 'E-5']);
    gates = await startGatePair(site, t.cloud.mqttUrl);
    ({ entry, exit } = gates);
  });
  afterAll(async () => {
    await gates?.stop();
    await t?.close();
  });

  const reserve = async (name: string, plate: string, space: number) => {
    const m = await t.api.member(name, [plate]);
    return t.api.expect(201, 'POST', '/api/reservations', { spaceId: site.spaces[space].id, plate }, m.token);
  };
  const reservationStatus = async (id: string) =>
    (
      await t.cloud.ctx.db
        .selectFrom('reservations')
        .select('status')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).status;

  it('opens on allow, reports Started, and the cloud sees the car inside', async () => {
    const r = await reserve('Allowed', '12가3456', 0);
    expect(await entry.drive('12가 3456')).toBe('passed');
    await until(async () => (await reservationStatus(r.id)) === 'in_use');
    await until(() => entry.agent.outbox.depth === 0);
    expect(await exit.drive('12가3456')).toBe('passed');
    await until(async () => (await reservationStatus(r.id)) === 'completed');
  });

  it('carries out operator commands relayed and audited by the cloud, and keeps its retained availability and state', async () => {
    const operator = await mqtt.connectAsync(t.cloud.mqttUrl, {
      username: 'operator',
      password: t.cloud.operatorToken,
      clientId: `operator-test-${Math.random().toString(16).slice(2, 8)}`,
    });
    const answers = new Map<string, { outcome: string; ok: boolean; error?: string }>();
    operator.on('message', (topic, payload) => {
      if (topic !== 'parking/operators/operator/command/response') return;
      const answer = JSON.parse(payload.toString());
      answers.set(answer.commandId, answer);
    });
    await operator.subscribeAsync('parking/operators/operator/command/response', { qos: 1 });
    const seen = new Map<string, string>();
    operator.on('message', (topic, payload) => seen.set(topic, payload.toString()));
    const gateId = entry.config.gateId;
    await operator.subscribeAsync(`parking/gates/${gateId}/#`, { qos: 1 });
    await until(
      () => seen.has(`parking/gates/${gateId}/availability`) && seen.has(`parking/gates/${gateId}/state`),
    );
    // The retained state follows the outbox: once earlier events are acked it says so.
    await until(() => JSON.parse(seen.get(`parking/gates/${gateId}/state`)!).outboxDepth === 0);
    expect(seen.get(`parking/gates/${gateId}/availability`)).toBe('online');
    expect(JSON.parse(seen.get(`parking/gates/${gateId}/state`)!)).toMatchObject({
      barrier: 'closed',
      phase: 'idle',
      loops: { arrival: false, passage: false },
      cloudLink: 'up',
      outboxDepth: 0,
      alarms: [],
    });

    const before = entry.barrier.opened;
    await operator.publishAsync(
      'parking/operators/operator/command',
      JSON.stringify({ commandId: 'cmd-visitor-1', gateId, action: 'open', reason: 'visitor', by: 'forged' }),
      { qos: 1 },
    );
    await until(() => answers.has('cmd-visitor-1'));
    expect(answers.get('cmd-visitor-1')).toMatchObject({ outcome: 'ok', ok: true });
    // The gate got it from the cloud, signed with the account's name whatever the payload said.
    expect(JSON.parse(seen.get(`parking/gates/${gateId}/command`)!)).toMatchObject({
      commandId: 'cmd-visitor-1',
      by: 'operator',
    });
    expect(entry.barrier.opened).toBe(before + 1);
    const audit = await t.api.expect(200, 'GET', `/api/commands?gateId=${gateId}`);
    expect(audit.items).toEqual([
      expect.objectContaining({
        commandId: 'cmd-visitor-1',
        by: 'operator',
        reason: 'visitor',
        outcome: 'ok',
      }),
    ]);
    await until(async () => {
      const rows = await t.cloud.ctx.db
        .selectFrom('gate_events')
        .select('type')
        .where('type', '=', 'ManualOpen')
        .execute();
      return rows.length === 1;
    });

    await operator.publishAsync(
      'parking/operators/operator/command',
      JSON.stringify({ commandId: 'cmd-bad', gateId, action: 'explode', reason: 'x' }),
      { qos: 1 },
    );
    await until(() => answers.has('cmd-bad'));
    expect(answers.get('cmd-bad')).toMatchObject({
      outcome: 'invalid',
      ok: false,
      error: expect.stringContaining('action'),
    });
    // Let the manually admitted vehicle through so the gate is idle for the next test.
    entry.passage.set(true);
    entry.passage.set(false);
    await until(() => entry.agent.controller.state === 'idle');
    // The gate refuses what it cannot do, and the refusal is the answer.
    await operator.publishAsync(
      'parking/operators/operator/command',
      JSON.stringify({ commandId: 'cmd-release', gateId, action: 'release', reason: 'nothing held' }),
      { qos: 1 },
    );
    await until(() => answers.has('cmd-release'));
    expect(answers.get('cmd-release')).toMatchObject({ outcome: 'refused', ok: false });
    await operator.endAsync();
  });

  it('is reported offline by its last will when its link dies, and online again after it reconnects', async () => {
    const operator = await mqtt.connectAsync(t.cloud.mqttUrl, {
      username: 'operator',
      password: t.cloud.operatorToken,
      clientId: `operator-test-${Math.random().toString(16).slice(2, 8)}`,
    });
    const gateId = exit.config.gateId;
    const history: string[] = [];
    operator.on('message', (_topic, payload) => history.push(payload.toString()));
    await operator.subscribeAsync(`parking/gates/${gateId}/availability`, { qos: 1 });
    await until(() => history.at(-1) === 'online');
    exit.agent.mqtt.socket?.destroy();
    await until(() => history.includes('offline'));
    await until(() => history.at(-1) === 'online' && exit.agent.mqtt.isConnected);
    await operator.endAsync();
  });

  it('asks at the read, and lets go of the reservation when the car read never reaches the gate', async () => {
    const side = await t.api.expect(201, 'POST', `/api/facilities/${site.facility.id}/gates`, {
      name: 'Side entry',
      direction: 'entry',
    });
    const config = gateConfig(side, 'entry', t.cloud.mqttUrl);
    const gate = await startFakeGate({ ...config, timing: { ...config.timing, readAheadMs: 300 } });
    try {
      await until(() => gate.agent.mqtt.isConnected);
      const r = await reserve('Passer-by', '77고7777', 2);
      const admission = async () =>
        await t.cloud.ctx.db
          .selectFrom('reservations')
          .select(['status', 'admission_until'])
          .where('id', '=', r.id)
          .executeTakeFirstOrThrow();
      gate.plates.read('77고7777');
      // Allowed at the read: the cloud holds the reservation for this car…
      await until(async () => (await admission()).admission_until !== null);
      // …and lets go of it once the agent says the car did not come.
      await until(async () => (await admission()).admission_until === null);
      expect(await admission()).toMatchObject({ status: 'reserved' });
      expect(gate.barrier.opened).toBe(0);
      const aborted = await t.cloud.ctx.db
        .selectFrom('gate_events')
        .select(['type', 'outcome'])
        .where('gate_id', '=', side.id)
        .execute();
      expect(aborted).toEqual([{ type: 'EntryAborted', outcome: 'applied' }]);
      // The car comes back: read and confirmed together, let in on one decision.
      expect(await gate.drive('77고7777')).toBe('passed');
      await until(async () => (await reservationStatus(r.id)) === 'in_use');
    } finally {
      await gate.agent.stop();
    }
  });

  it('keeps the barrier shut on a deny and reports Denied', async () => {
    const before = entry.barrier.commands.length;
    expect(await entry.drive('00무0000')).toBe('refused');
    expect(entry.barrier.commands.length).toBe(before);
    await until(async () => {
      const rows = await t.cloud.ctx.db
        .selectFrom('gate_events')
        .select('type')
        .where('type', '=', 'Denied')
        .execute();
      return rows.length === 1;
    });
  });

  it('denies at once, the barrier never moving, when the link to the cloud is down', async () => {
    await reserve('Offline', '34나5678', 1);
    await t.down();
    await until(() => !entry.agent.mqtt.isConnected);
    const before = entry.barrier.commands.length;
    expect(await entry.drive('34나5678')).toBe('refused');
    expect(entry.barrier.commands.length).toBe(before);
    const denied = (await entry.agent.outbox.peek(100)).filter((e) => e.type === 'Denied').at(-1);
    expect(denied?.reason).toBe('cloud_disconnected');
  });

  it('keeps events while the cloud is down and delivers each exactly once when it returns', async () => {
    // The cloud is down since the previous test. Exits go on.
    const plates = ['56다7890', '78라1234'];
    for (const plate of plates) expect(await exit.drive(plate)).toBe('passed');
    expect(exit.agent.outbox.depth).toBe(2);
    await t.restart();
    await until(() => exit.agent.outbox.depth === 0 && entry.agent.outbox.depth === 0, 15_000);
    const rows = await t.cloud.ctx.db
      .selectFrom('gate_events')
      .select(['event_id', 'type', 'credential_value'])
      .where('gate_id', '=', site.exit.id)
      .where('credential_value', 'in', plates)
      .execute();
    expect(rows.map((r) => r.credential_value).sort()).toEqual([...plates].sort());
  });
});

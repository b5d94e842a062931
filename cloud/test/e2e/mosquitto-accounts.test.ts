/**
 * Gates' logins and ACLs on Mosquitto's dynamic-security plugin, as the cloud keeps them
 * (mqtt/broker-accounts.ts), on a private Mosquitto whatever PARKING_TEST_VARIANT says.
 */
import { execFileSync } from 'node:child_process';
import { topics } from '@parkinglot/shared';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { event, TestGate } from '../../src/testing/gate.js';
import { startTestCloud, type TestCloud } from '../../src/testing/index.js';

function connect(url: string, options: mqtt.IClientOptions): Promise<mqtt.MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 3000, ...options });
    client.once('connect', () => resolve(client));
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
  });
}

describe('gate logins on Mosquitto (dynamic security)', () => {
  let t: TestCloud;
  let site: Awaited<ReturnType<TestCloud['api']['seedFacility']>>;

  beforeAll(async () => {
    t = await startTestCloud({}, { variant: 'postgres-mosquitto' });
    site = await t.api.seedFacility(['M-1']);
  });
  afterAll(async () => t?.close());

  it('lets a registered gate in under its gate id only, and nobody with a wrong password', async () => {
    const { username, password } = site.entry.mqtt;
    const gate = await connect(t.cloud.mqttUrl, { username, password, clientId: username });
    await gate.endAsync();
    await expect(connect(t.cloud.mqttUrl, { username, password, clientId: 'someone-else' })).rejects.toThrow(
      /Not authorized|Identifier rejected|Bad username/i,
    );
    await expect(
      connect(t.cloud.mqttUrl, { username, password: 'not-the-password', clientId: username }),
    ).rejects.toThrow(/Not authorized|Bad username/i);
    await expect(connect(t.cloud.mqttUrl, { clientId: 'anonymous-1' })).rejects.toThrow(/Not authorized/i);
  });

  it("confines a gate to its own topics: another gate's subscription is refused, its publish never applied", async () => {
    const { username, password } = site.entry.mqtt;
    const gate = await connect(t.cloud.mqttUrl, { username, password, clientId: username });
    try {
      // SUBACK 0x80, which MQTT.js turns into a rejection.
      await expect(gate.subscribeAsync(topics.authResponse(site.exit.id), { qos: 1 })).rejects.toThrow(
        /Subscribe error/,
      );
      const own = await gate.subscribeAsync(topics.authResponse(username), { qos: 1 });
      expect(own[0]?.qos).toBe(1);
      // Mosquitto acknowledges a refused QoS 1 publish over MQTT 3.1.1 and drops it.
      const forged = event('Ended', { kind: 'plate', value: 'FORGED1' });
      await gate.publishAsync(topics.events(site.exit.id), JSON.stringify({ events: [forged] }), { qos: 1 });
      // The exit gate's own next batch is applied; the forged one never reached the cloud.
      const exit = await TestGate.connect(t.cloud.mqttUrl, site.exit.mqtt.username, site.exit.mqtt.password);
      const real = event('Ended', { kind: 'plate', value: 'REAL001' });
      await exit.sendEvents({ events: [real] }, real.eventId);
      await exit.close();
      const rows = await t.cloud.ctx.db
        .selectFrom('gate_events')
        .select('event_id')
        .where('event_id', 'in', [forged.eventId, real.eventId])
        .execute();
      expect(rows.map((r) => r.event_id)).toEqual([real.eventId]);
    } finally {
      await gate.endAsync();
    }
  });

  it('gives the operator login (the operator token) read access and commands only', async () => {
    const operator = await connect(t.cloud.mqttUrl, {
      username: 'operator',
      password: t.cloud.operatorToken,
      clientId: 'operator-test-1',
    });
    try {
      expect((await operator.subscribeAsync('parking/#', { qos: 1 }))[0]?.qos).toBe(1);
      await expect(operator.subscribeAsync('$share/x/parking/#', { qos: 1 })).rejects.toThrow(
        /Subscribe error/,
      );
    } finally {
      await operator.endAsync();
    }
  });

  it('cuts a removed gate off at once, and keeps it out', async () => {
    const extra = await t.api.expect(201, 'POST', `/api/facilities/${site.facility.id}/gates`, {
      name: 'Side entry',
      direction: 'entry',
    });
    const gate = await TestGate.connect(t.cloud.mqttUrl, extra.mqtt.username, extra.mqtt.password);
    const closed = new Promise<void>((resolve) => gate.client.once('close', () => resolve()));
    await t.cloud.ctx.brokerAccounts!.removeGate(extra.id);
    await closed;
    await gate.close();
    await expect(
      connect(t.cloud.mqttUrl, {
        username: extra.mqtt.username,
        password: extra.mqtt.password,
        clientId: extra.id,
      }),
    ).rejects.toThrow(/Not authorized|Bad username/i);
  });

  it('does not take over a login of the same name that someone else made on the broker', async () => {
    const broker = t.broker!;
    execFileSync('mosquitto_ctrl', [
      ...[
        '-h',
        '127.0.0.1',
        '-p',
        String(broker.port),
        '-u',
        broker.admin.username,
        '-P',
        broker.admin.password,
      ],
      ...['dynsec', 'createClient', 'preexisting', '-p', 'its-own-password'],
    ]);
    const refused = await t.api.expect(409, 'POST', '/api/operators', {
      name: 'preexisting',
      role: 'viewer',
    });
    expect(refused).toMatchObject({
      error: 'name_taken',
      message: expect.stringContaining('MQTT broker already has a login'),
    });
    // Left as it was: its own password still works, and no account was made.
    const theirs = await connect(t.cloud.mqttUrl, {
      username: 'preexisting',
      password: 'its-own-password',
      clientId: 'preexisting',
    });
    await theirs.endAsync();
    const { items } = await t.api.expect(200, 'GET', '/api/operators');
    expect(items.map((a: { name: string }) => a.name)).not.toContain('preexisting');
  });
});

/**
 * A Mosquitto restart under two cloud instances on PostgreSQL (whatever PARKING_TEST_VARIANT
 * says): exits go on while the broker is away, and once it is back the gates and both instances
 * reconnect and every outbox drains, each event applied once.
 */
import { startTestCloud, type TestCloud } from '@parkinglot/cloud/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGate, startGatePair, until } from './support.js';

describe('a Mosquitto restart with two instances', () => {
  let t: TestCloud;
  let entry: FakeGate;
  let exit: FakeGate;
  let gates: Awaited<ReturnType<typeof startGatePair>>;
  let site: Awaited<ReturnType<TestCloud['api']['seedFacility']>>;

  beforeAll(async () => {
    t = await startTestCloud({}, { variant: 'postgres-mosquitto' });
    site = await t.api.seedFacility(['R-1', 'R-2', 'R-3']);
    gates = await startGatePair(site, t.cloud.mqttUrl);
    ({ entry, exit } = gates);
  });
  afterAll(async () => {
    await gates?.stop();
    await t?.close();
  });

  it('lets cars out while it is down, then everyone reconnects and the outboxes drain once', async () => {
    const plates = ['11가1111', '22나2222', '33다3333'];
    for (const [i, plate] of plates.entries()) {
      const m = await t.api.member(`Restart ${i}`, [plate]);
      await t.api.reserve(m.token, site.spaces[i]!.id, plate);
      expect(await entry.drive(plate)).toBe('passed');
    }
    await until(() => entry.agent.outbox.depth === 0);

    await t.broker!.stop();
    await until(
      () => !exit.agent.mqtt.isConnected && !t.cloud.mqtt.isConnected && !t.peers[0]!.mqtt.isConnected,
    );
    // Exits never wait on the cloud: the barrier opens, the Ended waits in the outbox.
    for (const plate of plates) expect(await exit.drive(plate)).toBe('passed');
    expect(exit.agent.outbox.depth).toBe(plates.length);

    await t.broker!.start();
    await until(
      () =>
        exit.agent.mqtt.isConnected &&
        entry.agent.mqtt.isConnected &&
        t.cloud.mqtt.isConnected &&
        t.peers[0]!.mqtt.isConnected,
      20_000,
    );
    await until(() => exit.agent.outbox.depth === 0, 20_000);
    const sessions = await t.cloud.ctx.db
      .selectFrom('parking_sessions')
      .select(['plate', 'status'])
      .where('plate', 'in', plates)
      .orderBy('plate')
      .execute();
    expect(sessions).toEqual(plates.map((plate) => ({ plate, status: 'closed' })));
    const ended = await t.cloud.ctx.db
      .selectFrom('gate_events')
      .select(['credential_value', 'outcome'])
      .where('gate_id', '=', site.exit.id)
      .where('type', '=', 'Ended')
      .execute();
    expect(ended.map((e) => e.outcome)).toEqual(['applied', 'applied', 'applied']);
    // And the gates are answered again, by either instance.
    const plate = '44라4444';
    const m = await t.api.member('After restart', [plate]);
    await t.api.reserve(m.token, site.spaces[0]!.id, plate);
    expect(await entry.drive(plate)).toBe('passed');
  });
});

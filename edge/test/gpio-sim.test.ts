/**
 * An agent in GPIO mode (board.kind gpio) on firmware-sim's emulated GPIO chip over TCP, against a
 * real cloud: the barrier model follows the relay line, the loops and the limit switch drive input
 * lines, and a reserved car goes in.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestCloud, type TestCloud } from '@parkinglot/cloud/testing';
import {
  approach,
  driveThrough,
  type GateDevices,
  gateHardware,
  startGateDevices,
} from '@parkinglot/firmware-sim';
import { createLogger } from '@parkinglot/platform/log';
import { systemClock } from '@parkinglot/platform/time';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, startAgent } from '../src/agent.js';
import { edgeConfigSchema } from '../src/config/schema.js';
import { openHardware } from '../src/drivers/open-hardware.js';
import { until } from './support.js';

describe('an agent on an emulated GPIO chip', () => {
  let t: TestCloud;
  let devices: GateDevices;
  let agent: Agent;
  let lost = 0;
  let site: Awaited<ReturnType<TestCloud['api']['seedFacility']>>;

  beforeAll(async () => {
    t = await startTestCloud();
    site = await t.api.seedFacility(['G-1']);
    devices = await startGateDevices({ kind: 'gpio', openTimeMs: 200, closeTimeMs: 200 });
    const config = edgeConfigSchema.parse({
      gateId: site.entry.id,
      direction: 'entry',
      mqtt: { url: t.cloud.mqttUrl, password: site.entry.mqtt.password },
      dataDir: mkdtempSync(join(tmpdir(), 'parkinglot-gpio-')),
      ...devices.addresses.edgeConfig,
      logLevel: 'silent',
    });
    expect(config.board).toMatchObject({ kind: 'gpio', chip: expect.stringMatching(/^tcp:\/\//) });
    const log = createLogger('gpio-test', 'silent');
    const hardware = await openHardware(config, { log, clock: systemClock, onBoardLost: () => lost++ });
    agent = await startAgent(config, { log, clock: systemClock, hardware });
    await until(() => agent.mqtt.isConnected);
  });
  afterAll(async () => {
    await agent?.stop();
    await devices?.close();
    await t?.close();
  });

  it('lets a reserved car in on the relay line and reports it Started', async () => {
    const member = await t.api.member('On GPIO', ['45너4545']);
    const r = await t.api.reserve(member.token, site.spaces[0].id, '45너4545');
    const gate = gateHardware(devices);
    const car = await approach(gate, { kind: 'plate', value: '45너4545' }, 5_000);
    car.done();
    expect(car.opened).toBe(true);
    await driveThrough(gate);
    await until(
      async () => (await t.api.expect(200, 'GET', `/api/reservations/${r.id}`)).status === 'in_use',
    );
    await until(() => devices.board.barrier.position === 'closed');
  });

  it('takes a lost chip for a lost board', async () => {
    await devices.close();
    await until(() => lost === 1);
    expect(agent.hardware.barrier.position).toBe('unknown');
  });
});

/** A gate that boots before its cloud: it runs offline, then joins when the broker appears. */
import { startEmbeddedBroker } from '@parkinglot/cloud';
import { createLogger } from '@parkinglot/platform/log';
import { freePort } from '@parkinglot/platform/net';
import { afterAll, describe, expect, it } from 'vitest';
import { type FakeGate, gateConfig, startFakeGate, until } from './support.js';

describe('edge agent started before its cloud', () => {
  let gate: FakeGate | undefined;
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    await gate?.agent.stop();
    for (const close of closers) await close();
  });

  it('keeps trying after the first connection fails and joins when the broker comes up', async () => {
    const port = await freePort();
    const config = gateConfig(
      { id: 'gate_early', mqtt: { username: 'gate_early', password: 'x' } },
      'exit',
      `mqtt://127.0.0.1:${port}`,
    );
    const started = Date.now();
    gate = await startFakeGate({
      ...config,
      mqtt: { ...config.mqtt, reconnectPeriodMs: 100, connectTimeoutMs: 200 },
    });
    expect(gate.agent.mqtt.isConnected).toBe(false);
    expect(await gate.drive('12가3456')).toBe('passed');
    // Past the first connection's timeout: the agent has given up on it and runs offline.
    await until(() => Date.now() - started > 600);
    const broker = await startEmbeddedBroker({
      host: '127.0.0.1',
      port,
      log: createLogger('broker', 'silent'),
      authenticate: async (username) => ({ role: 'gate', gateId: username }),
    });
    closers.push(() => broker.close());
    await until(() => gate!.agent.mqtt.isConnected, 15_000);
  });
});

/**
 * A cloud that is reachable but does not answer (hung, overloaded): the broker is up, nobody replies.
 * The gate denies within its timeout plus 100 ms and the arm never moves; after repeated timeouts
 * the circuit opens and denials come at once.
 */
import { type EmbeddedBroker, startEmbeddedBroker } from '@parkinglot/cloud';
import { createLogger } from '@parkinglot/platform/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGate, gateConfig, startFakeGate, until } from './support.js';

describe('edge agent with a cloud that does not answer', () => {
  let broker: EmbeddedBroker;
  let gate: FakeGate;

  beforeAll(async () => {
    broker = await startEmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      log: createLogger('broker', 'silent'),
      authenticate: async (username) => ({ role: 'gate', gateId: username }),
    });
    const config = gateConfig(
      { id: 'gate_hung', mqtt: { username: 'gate_hung', password: 'x' } },
      'entry',
      `mqtt://127.0.0.1:${broker.port}`,
    );
    gate = await startFakeGate(config);
    await until(() => gate.agent.mqtt.isConnected);
  });
  afterAll(async () => {
    await gate?.agent.stop();
    await broker?.close();
  });

  it('denies within the timeout plus 100 ms, then at once once the circuit is open', async () => {
    const timeout = gate.config.authTimeoutMs;
    for (let i = 0; i < gate.config.breaker.failureThreshold; i++) {
      const started = performance.now();
      expect(await gate.drive('12가3456')).toBe('refused');
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(timeout - 5);
      expect(elapsed).toBeLessThan(timeout + 100);
    }
    expect(gate.agent.authorizer?.breaker.state).toBe('open');
    const started = performance.now();
    expect(await gate.drive('12가3456')).toBe('refused');
    expect(performance.now() - started).toBeLessThan(100);
    expect(gate.barrier.commands).toEqual([]);
    const events = await gate.agent.outbox.peek(20);
    expect(events.filter((e) => e.type === 'Denied').map((e) => e.reason)).toEqual([
      'cloud_timeout',
      'cloud_timeout',
      'cloud_timeout',
      'cloud_unreachable',
    ]);
    // Each timed-out request is released by its requestId, in case the cloud allowed it after all.
    const aborted = events.filter((e) => e.type === 'EntryAborted');
    expect(aborted.map((e) => e.requestId)).toEqual(
      events.filter((e) => e.reason === 'cloud_timeout' && e.type === 'Denied').map((e) => e.requestId),
    );
  });
});

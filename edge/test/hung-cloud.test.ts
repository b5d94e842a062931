/**
 * A cloud that is reachable but does not answer (hung, overloaded): the broker is up, nobody replies.
 * The gate denies at its timeout, not a moment before, and the arm never moves; after repeated
 * timeouts the circuit opens and denials come at once, without asking. The agent's time is a
 * ManualClock, so the test checks when the deny comes on the gate's own clock, however busy the
 * machine is; the broker, the TCP link and the outbox file are real.
 */
import { type EmbeddedBroker, startEmbeddedBroker } from '@parkinglot/cloud';
import { createLogger } from '@parkinglot/platform/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/testing/fakes.js';
import { type FakeGate, gateConfig, startFakeGate, until } from './support.js';

describe('edge agent with a cloud that does not answer', () => {
  let broker: EmbeddedBroker;
  let gate: FakeGate;
  const clock = new ManualClock();

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
    gate = await startFakeGate(config, clock);
    await until(() => gate.agent.mqtt.isConnected);
  });
  afterAll(async () => {
    await gate?.agent.stop();
    await broker?.close();
  });

  /** A car drives up and is read; resolves once the gate waits for the cloud's answer. */
  async function arrive(plate: string): Promise<void> {
    gate.arrival.set(true);
    gate.plates.read(plate);
    await until(() => gate.agent.controller.state === 'authorizing');
  }

  /** The car gives up and backs out. */
  async function leave(): Promise<void> {
    gate.arrival.set(false);
    await gate.agent.controller.settled();
    expect(gate.agent.controller.state).toBe('idle');
  }

  it('denies at the timeout and not before, then at once once the circuit is open', async () => {
    const timeout = gate.config.authTimeoutMs;
    const authorizer = gate.agent.authorizer!;
    const threshold = gate.config.breaker.failureThreshold;
    for (let i = 1; i <= threshold; i++) {
      await arrive('12가3456');
      expect(authorizer.stats.requests).toBe(i);
      clock.advance(timeout - 1);
      // Let whatever I/O is under way finish: still nothing may have been decided.
      await new Promise((resolve) => setImmediate(resolve));
      expect(gate.agent.controller.state).toBe('authorizing');
      expect(authorizer.stats.timeouts).toBe(i - 1);
      clock.advance(1);
      await gate.agent.controller.settled();
      expect(authorizer.stats.timeouts).toBe(i);
      expect(gate.agent.controller.state).toBe('awaiting_credential');
      await leave();
    }
    expect(authorizer.breaker.state).toBe('open');

    // No time passes on the gate's clock: the deny comes without a request to the cloud.
    gate.arrival.set(true);
    gate.plates.read('12가3456');
    await gate.agent.controller.settled();
    expect(authorizer.stats.requests).toBe(threshold + 1);
    expect(authorizer.stats.shortCircuited).toBe(1);
    expect(authorizer.stats.timeouts).toBe(threshold);
    await leave();

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

import { MqttNotConnectedError } from '@parkinglot/platform/mqtt';
import { topics } from '@parkinglot/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionFixture, inbox } from './connection-fixture.js';
import { capturingLogger, noDelayOf, startTestBroker, waitFor } from './testing.js';

const fx = new ConnectionFixture();
beforeEach(() => fx.setUp());
afterEach(() => fx.tearDown());

describe('start', () => {
  it('rejects with a clear message on a wrong password, without retrying', async () => {
    const conn = fx.connection('cloud', { password: 'nope' });
    await expect(conn.start()).rejects.toThrow(
      /MQTT connect to mqtt:\/\/127\.0\.0\.1:\d+ as cloud failed: .*Bad username or password/,
    );
    expect(conn.isConnected).toBe(false);
    expect(fx.broker.stats.authFailures).toBe(1);
  });

  it('rejects after the timeout when nothing listens, naming the last error', async () => {
    const { port } = fx.broker;
    await fx.broker.close();
    const conn = fx.connection('cloud', { connectTimeoutMs: 300 });
    await expect(conn.start()).rejects.toThrow(
      new RegExp(`127\\.0\\.0\\.1:${port} as cloud timed out after 300 ms: .*ECONNREFUSED`),
    );
    fx.broker = await startTestBroker();
  });

  it('takes credentials from the URL when none are given, never echoing the password', async () => {
    const url = (password: string) => `mqtt://cloud:${password}@127.0.0.1:${fx.broker.port}`;
    const ok = fx.connection('cloud', { url: url('secret-cloud'), username: undefined, password: undefined });
    await ok.start();
    expect(ok.isConnected).toBe(true);
    const bad = fx.connection('cloud', { url: url('hunter2'), username: undefined, password: undefined });
    const error = await bad.start().catch((e: Error) => e);
    expect((error as Error).message).toMatch(/as cloud failed/);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('sets TCP_NODELAY on its socket', async () => {
    const conn = fx.connection('cloud');
    await conn.start();
    expect(noDelayOf(conn.socket)).toBe(true);
  });
});

describe('subscribe and publish', () => {
  it('delivers messages to the handler and resolves publish on PUBACK', async () => {
    const cloud = fx.connection('cloud');
    const box = inbox();
    await cloud.subscribe(topics.allAuthRequests, box.handler); // before start: sent on connect
    await cloud.start();
    const gate = fx.connection('gate-a');
    await gate.start();
    await gate.publish(topics.authRequest('A'), 'plate XY-123', { qos: 1 });
    expect(await box.next()).toEqual([topics.authRequest('A'), 'plate XY-123']);
  });

  it('keeps going when a handler throws or rejects, and logs it', async () => {
    const { log, lines } = capturingLogger();
    const cloud = fx.connection('cloud', { log });
    await cloud.start();
    const box = inbox();
    await cloud.subscribe(topics.allEvents, () => {
      throw new Error('sync boom');
    });
    await cloud.subscribe(topics.allEvents, async () => Promise.reject(new Error('async boom')));
    await cloud.subscribe(topics.allEvents, box.handler);
    const gate = await fx.raw('gate-a');
    await gate.publishAsync(topics.events('A'), 'one', { qos: 1 });
    await gate.publishAsync(topics.events('A'), 'two', { qos: 1 });
    expect(await box.next()).toEqual([topics.events('A'), 'one']);
    expect(await box.next()).toEqual([topics.events('A'), 'two']);
    // The rejections are logged a few microtasks after dispatch: poll (bounded) rather than assume.
    const count = (what: RegExp) => lines.filter((l) => what.test(l)).length;
    await expect.poll(() => count(/Error: sync boom/)).toBe(2);
    await expect.poll(() => count(/Error: async boom/)).toBe(2);
    expect(cloud.isConnected).toBe(true);
  });

  it('rejects a subscription the broker refuses and forgets it', async () => {
    const gate = fx.connection('gate-a');
    await gate.start();
    await expect(gate.subscribe(topics.command('B'), () => {})).rejects.toThrow(/Subscribe error/);
    await gate.subscribe(topics.command('A'), () => {});
    expect(fx.broker.stats.subscribeDenied).toBe(1);
  });

  it('rejects publish and answers false to publishNoWait when disconnected, never throwing', async () => {
    const conn = fx.connection('cloud');
    let pending: Promise<void> | undefined;
    expect(() => {
      pending = conn.publish(topics.command('A'), 'x');
    }).not.toThrow();
    await expect(pending).rejects.toBeInstanceOf(MqttNotConnectedError);
    expect(conn.publishNoWait(topics.command('A'), 'x')).toBe(false);

    await conn.start();
    expect(conn.publishNoWait(topics.command('A'), 'x')).toBe(true);
    const down = waitFor(conn, 'disconnected');
    await fx.broker.close();
    await down;
    await expect(conn.publish(topics.command('A'), 'x')).rejects.toThrow(/not connected/);
    expect(conn.publishNoWait(topics.command('A'), 'x')).toBe(false);
  });
});

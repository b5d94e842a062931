import { quietLogger } from '@parkinglot/platform/log';
import { topics } from '@parkinglot/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmbeddedBroker } from './broker.js';
import { ConnectionFixture, inbox } from './connection-fixture.js';
import { nextMessage, noDelayOf, startTestBroker, waitFor } from './testing.js';

const fx = new ConnectionFixture();
beforeEach(() => fx.setUp());
afterEach(() => fx.tearDown());

describe('reconnect', () => {
  it('resubscribes after the broker restarts on the same port, with TCP_NODELAY again', async () => {
    const cloud = fx.connection('cloud');
    const box = inbox();
    await cloud.start();
    await cloud.subscribe(topics.allEvents, box.handler);
    const firstSocket = cloud.socket;

    const { port } = fx.broker;
    const down = waitFor(cloud, 'disconnected');
    await fx.broker.close();
    await down;
    const up = waitFor(cloud, 'connected'); // emitted once the subscriptions are re-sent
    fx.broker = await startTestBroker(port);
    await up;

    expect(cloud.socket).not.toBe(firstSocket);
    expect(noDelayOf(cloud.socket)).toBe(true);
    const gate = await fx.raw('gate-a');
    await gate.publishAsync(topics.events('A'), 'after restart', { qos: 1 });
    expect(await box.next()).toEqual([topics.events('A'), 'after restart']);
  });
});

describe('reconnect after a refused CONNACK', () => {
  it('keeps retrying when the restarted broker first answers "server unavailable"', async () => {
    const cloud = fx.connection('cloud');
    await cloud.start();
    const { port } = fx.broker;
    const down = waitFor(cloud, 'disconnected');
    await fx.broker.close();
    await down;
    let calls = 0;
    const up = waitFor(cloud, 'connected');
    fx.broker = await startEmbeddedBroker({
      host: '127.0.0.1',
      port,
      log: quietLogger(),
      authenticate: async () => {
        calls++;
        if (calls === 1) throw new Error('database is locked'); // CONNACK 3 to the first attempt
        return { role: 'service' };
      },
    });
    await up;
    expect(fx.broker.stats.authErrors).toBe(1);
    expect(cloud.isConnected).toBe(true);
  });
});

describe('stop', () => {
  it('rejects a pending start()', async () => {
    const { port } = fx.broker;
    await fx.broker.close();
    const conn = fx.connection('cloud');
    const starting = conn.start();
    await conn.stop();
    await expect(starting).rejects.toThrow(/stopped before it connected/);
    fx.broker = await startTestBroker(port);
  });

  it('disconnects cleanly, so the broker discards the will', async () => {
    const observer = await fx.raw('cloud');
    await observer.subscribeAsync(topics.allAvailability, { qos: 1 });
    const will = { topic: topics.availability('A'), payload: 'offline', retain: false, qos: 1 as const };
    const gate = fx.connection('gate-a', { will });
    await gate.start();
    const disconnected = waitFor(gate, 'disconnected');
    const gone = waitFor(fx.broker.aedes, 'clientDisconnect');
    await gate.stop();
    await Promise.all([disconnected, gone]);
    expect(gate.isConnected).toBe(false);
    // Had the will been published it would arrive before this message, sent after the disconnect.
    const gateB = await fx.raw('gate-b');
    await gateB.publishAsync(topics.availability('B'), 'online', { qos: 1 });
    expect(await nextMessage(observer)).toEqual({ topic: topics.availability('B'), payload: 'online' });
  });

  it('releases the client on stop and can be started again', async () => {
    const conn = fx.connection('cloud');
    await conn.start();
    const gone = waitFor(fx.broker.aedes, 'clientDisconnect');
    await conn.stop();
    await gone;
    expect(conn.socket).toBeUndefined();
    expect(fx.broker.aedes.connectedClients).toBe(0);
    await conn.start();
    expect(conn.isConnected).toBe(true);
  });
});

import type net from 'node:net';
import { topics } from '@parkinglot/shared';
import type { Client } from 'aedes';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, MAX_PACKET_BYTES, principalOf } from './broker.js';
import { connectRaw, nextMessage, noDelayOf, startTestBroker, USERS, waitFor } from './testing.js';

let broker: EmbeddedBroker;
const clients: MqttClient[] = [];

async function connect(username: string, extra: Parameters<typeof connectRaw>[2] = {}): Promise<MqttClient> {
  const client = await connectRaw(broker.port, username, extra);
  clients.push(client);
  return client;
}

/** Connect error as the client sees it: MQTT.js reports the CONNACK return code as `code`. */
async function refusal(username: string, extra: Parameters<typeof connectRaw>[2] = {}): Promise<unknown> {
  return connect(username, extra).then(
    () => 'connected',
    (error: Error & { code?: unknown }) => error.code,
  );
}

/** A gate's last will as the edge agent sets it: `offline`, retained, on its availability. */
const offlineWill = (gateId: string) => ({
  topic: topics.availability(gateId),
  payload: Buffer.from('offline'),
  qos: 1 as const,
  retain: true,
});

beforeEach(async () => {
  broker = await startTestBroker();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await broker.close();
});

describe('authentication', () => {
  it('answers a wrong password with CONNACK 4 and counts it', async () => {
    expect(await refusal('gate-a', { password: 'nope' })).toBe(4);
    expect(await refusal('stranger')).toBe(4);
    // [MQTT-3.1.2-22] no user name means no password either: an anonymous CONNECT.
    expect(await refusal('gate-a', { username: undefined, password: undefined })).toBe(4);
    expect(broker.stats.authFailures).toBe(3);
  });

  it('answers a failing authenticate callback with CONNACK 3 and keeps serving', async () => {
    expect(await refusal('db-down')).toBe(3);
    expect(broker.stats.authErrors).toBe(1);
    const gate = await connect('gate-a');
    expect(gate.connected).toBe(true);
  });

  it('stores the principal on the client and counts connected gates', async () => {
    const seen = waitFor<[Client]>(broker.aedes, 'client');
    await connect('gate-a');
    const [client] = await seen;
    expect(principalOf(client)).toEqual({ role: 'gate', gateId: 'A' });
    await connect('gate-a'); // a second connection of the same gate
    await connect('gate-b');
    await connect('cloud');
    expect(broker.connectedGates()).toBe(2);
    const gone = waitFor(broker.aedes, 'clientDisconnect');
    await clients.pop()?.endAsync();
    await clients.pop()?.endAsync();
    await gone;
    expect(broker.connectedGates()).toBe(1);
  });

  it('sets TCP_NODELAY on accepted sockets', async () => {
    const seen = waitFor<[Client]>(broker.aedes, 'client');
    await connect('cloud');
    const [client] = await seen;
    expect(noDelayOf(client.conn as net.Socket)).toBe(true);
  });
});

describe('gate ACL', () => {
  it("delivers a gate's own auth/request to the service", async () => {
    const service = await connect('cloud');
    await service.subscribeAsync(topics.allAuthRequests, { qos: 1 });
    const gate = await connect('gate-a');
    await gate.publishAsync(topics.authRequest('A'), 'plate XY-123', { qos: 1 });
    expect(await nextMessage(service)).toEqual({ topic: topics.authRequest('A'), payload: 'plate XY-123' });
  });

  it("drops a publish on another gate's topic and disconnects the publisher", async () => {
    const service = await connect('cloud');
    await service.subscribeAsync('parking/#', { qos: 1 });
    const gateA = await connect('gate-a');
    const closed = waitFor(gateA, 'close');
    void gateA.publishAsync(topics.events('B'), 'forged', { qos: 1 }).catch(() => {});
    await closed; // aedes closes the connection of a refused PUBLISH [MQTT-3.3.5-2]
    expect(broker.stats.publishDenied).toBe(1);
    // Had the forged message been forwarded it would precede this one, sent after the disconnect.
    const gateB = await connect('gate-b');
    await gateB.publishAsync(topics.events('B'), 'genuine', { qos: 1 });
    expect(await nextMessage(service)).toEqual({ topic: topics.events('B'), payload: 'genuine' });
  });

  it("refuses a subscription to another gate's topic with SUBACK 0x80 and keeps the connection", async () => {
    const gate = await connect('gate-a');
    const error = await gate.subscribeAsync(topics.authResponse('B'), { qos: 1 }).catch((e: unknown) => e);
    // MQTT.js rejects with the SUBACK packet attached; 0x80 is "Failure" (MQTT 3.1.1 section 3.9.3).
    expect(error).toMatchObject({ packet: { granted: [0x80] } });
    const wildcard = await gate.subscribeAsync('parking/gates/+/auth/response').catch((e: unknown) => e);
    expect(wildcard).toMatchObject({ packet: { granted: [0x80] } });
    expect(broker.stats.subscribeDenied).toBe(2);
    expect(gate.connected).toBe(true);
  });

  it('lets a gate subscribe to its own auth/response', async () => {
    const gate = await connect('gate-a');
    const granted = await gate.subscribeAsync(topics.authResponse('A'), { qos: 1 });
    expect(granted).toEqual([{ topic: topics.authResponse('A'), qos: 1 }]);
    const service = await connect('cloud');
    await service.publishAsync(topics.authResponse('A'), 'open', { qos: 1 });
    expect(await nextMessage(gate)).toEqual({ topic: topics.authResponse('A'), payload: 'open' });
  });
});

describe('wills', () => {
  it("refuses a CONNECT whose will targets another gate's topic (CONNACK 5)", async () => {
    const will = offlineWill('B');
    expect(await refusal('gate-a', { will })).toBe(5);
    expect(broker.stats.authFailures).toBe(1);
  });

  it('refuses a retained will where only a plain one may go, as the will would be refused when it fires', async () => {
    const will = { topic: topics.events('A'), payload: Buffer.from('{}'), qos: 1 as const, retain: true };
    expect(await refusal('gate-a', { will })).toBe(5);
    expect(await refusal('gate-a', { will: { ...will, retain: false } })).toBe('connected');
  });

  it("publishes a gate's own availability will when it drops without DISCONNECT", async () => {
    const service = await connect('cloud');
    await service.subscribeAsync(topics.allAvailability, { qos: 1 });
    const will = offlineWill('A');
    const gate = await connect('gate-a', { will });
    gate.stream.destroy(); // no DISCONNECT: the broker must publish the will [MQTT-3.1.2-8]
    expect(await nextMessage(service)).toEqual({ topic: topics.availability('A'), payload: 'offline' });
  });
});

describe('operator ACL', () => {
  it('subscribes to parking/# and sends commands to the cloud, but neither to a gate nor as a gate', async () => {
    const operator = await connect('ops');
    expect(await operator.subscribeAsync('parking/#', { qos: 1 })).toEqual([{ topic: 'parking/#', qos: 1 }]);
    const cloud = await connect('cloud');
    await cloud.subscribeAsync(topics.allOperatorCommands, { qos: 1 });
    await operator.publishAsync(topics.operatorCommand('ops'), 'open-barrier', { qos: 1 });
    expect(await nextMessage(cloud)).toEqual({
      topic: topics.operatorCommand('ops'),
      payload: 'open-barrier',
    });

    const gate = await connect('gate-a');
    await gate.subscribeAsync([topics.authResponse('A'), topics.command('A')], { qos: 1 });
    const closed = waitFor(operator, 'close');
    void operator.publishAsync(topics.command('A'), 'forged', { qos: 1 }).catch(() => {});
    await closed;
    expect(broker.stats.publishDenied).toBe(1);
    const service = await connect('cloud');
    await service.publishAsync(topics.authResponse('A'), 'genuine', { qos: 1 });
    expect(await nextMessage(gate)).toEqual({ topic: topics.authResponse('A'), payload: 'genuine' });
  });
});

describe('lifecycle', () => {
  it('reports a busy port in one line naming the port, keeping the code', async () => {
    const error = await startTestBroker(broker.port).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'EADDRINUSE' });
    expect((error as Error).message).toContain(`127.0.0.1:${broker.port}`);
    expect((error as Error).message).toContain('EADDRINUSE');
    expect((error as Error).message).not.toContain('\n');
  });

  it('frees the port on close, even with a connection that never sent CONNECT', async () => {
    const { port } = broker;
    const net = await import('node:net');
    const idle = net.createConnection({ host: '127.0.0.1', port });
    await waitFor(idle, 'connect');
    await broker.close();
    broker = await startTestBroker(port);
    expect(broker.port).toBe(port);
    idle.destroy();
  });
});

describe('client ids', () => {
  it("takes only a login's own client id: a gate's is its gate id, an account's is its name or `<name>-…`", async () => {
    expect(await refusal('gate-a', { clientId: 'B' })).toBe(2);
    expect(await refusal('gate-a', { clientId: 'ops-1' })).toBe(2);
    expect(await refusal('ops', { clientId: 'A' })).toBe(2);
    expect(await refusal('ops', { clientId: 'opsx-console-1' })).toBe(2);
    expect(broker.stats.authFailures).toBe(4);
  });

  it("does not let one gate kick another off with the other's client id", async () => {
    const service = await connect('cloud');
    await service.subscribeAsync(topics.allAvailability, { qos: 1 });
    const will = offlineWill('A');
    const gateA = await connect('gate-a', { will });
    expect(await refusal('gate-b', { clientId: 'A' })).toBe(2);
    expect(gateA.connected).toBe(true);
    // gate A's will was not published: it is still there.
    await gateA.publishAsync(topics.availability('A'), 'online', { qos: 1, retain: true });
    expect(await nextMessage(service)).toEqual({ topic: topics.availability('A'), payload: 'online' });
  });

  it('refuses an empty client id without a clean session [MQTT-3.1.3-8]', async () => {
    // MQTT.js will not send one, so the CONNECT is written by hand.
    const str = (text: string) => {
      const bytes = Buffer.from(text, 'utf8');
      return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
    };
    const body = Buffer.concat([
      str('MQTT'),
      Buffer.from([4, 0xc0, 0, 60]), // level 4; user name and password, CleanSession 0; keep-alive 60 s
      str(''),
      str('cloud'),
      str(USERS.cloud!.password),
    ]);
    const { createConnection } = await import('node:net');
    const socket = createConnection({ host: '127.0.0.1', port: broker.port });
    socket.on('error', () => {});
    const answer = new Promise<Buffer>((resolve) => socket.once('data', resolve));
    socket.write(Buffer.concat([Buffer.from([0x10, body.length]), body]));
    // CONNACK, remaining length 2, no session present, return code 2 (identifier rejected).
    expect([...(await answer)]).toEqual([0x20, 2, 0, 2]);
    socket.destroy();
  });
});

/** What a new subscriber to parking/# is handed as retained, up to a marker sent after it subscribed. */
async function retainedSeenBy(): Promise<string[]> {
  const operator = await connect('ops');
  const seen: string[] = [];
  operator.on('message', (topic) => seen.push(topic));
  await operator.subscribeAsync('parking/#', { qos: 1 });
  const service = await connect('cloud');
  await service.publishAsync('parking/events/Marker', 'x', { qos: 1 });
  await expect.poll(() => seen.at(-1)).toBe('parking/events/Marker');
  return seen.slice(0, -1);
}

describe('retained messages', () => {
  it("keeps a gate's retained state, and disconnects a gate that retains a request or an event", async () => {
    const gate = await connect('gate-a');
    await gate.publishAsync(topics.state('A'), '{"barrier":"closed"}', { qos: 1, retain: true });
    for (const topic of [topics.authRequest('A'), topics.events('A')]) {
      const g = await connect('gate-a');
      const closed = waitFor(g, 'close');
      void g.publishAsync(topic, 'kept for later?', { qos: 1, retain: true }).catch(() => {});
      await closed;
    }
    expect(broker.stats.publishDenied).toBe(2);
    expect(await retainedSeenBy()).toEqual([topics.state('A')]);
  });
});

describe('packet sizes', () => {
  it('closes a connection whose CONNECT claims more than a CONNECT needs, before reading it', async () => {
    const { createConnection } = await import('node:net');
    const socket = createConnection({ host: '127.0.0.1', port: broker.port });
    await waitFor(socket, 'connect');
    socket.on('error', () => {});
    const closed = new Promise((resolve) => socket.once('close', resolve));
    // The largest remaining length MQTT can express, then data that never ends.
    socket.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
    socket.write(Buffer.alloc(64 * 1024));
    await closed;
    expect(broker.stats.oversized).toBe(1);
  });

  it('disconnects a logged-in gate that publishes more than a packet may hold, and keeps nothing of it', async () => {
    const gate = await connect('gate-a');
    gate.on('error', () => {});
    const closed = new Promise<void>((resolve) => gate.once('close', () => resolve()));
    void gate
      .publishAsync(topics.state('A'), Buffer.alloc(MAX_PACKET_BYTES + 1, 0x41), { qos: 1, retain: true })
      .catch(() => {});
    await closed;
    expect(broker.stats.oversized).toBe(1);
    expect(await retainedSeenBy()).toEqual([]);
  });
});

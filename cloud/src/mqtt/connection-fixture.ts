/**
 * Test fixture for the MqttConnection tests: a broker on a free port, connections and raw clients
 * that are all stopped in tearDown(), and an inbox to await what a handler receives.
 */

import { quietLogger } from '@parkinglot/platform/log';
import { MqttConnection, type MqttConnectionOptions } from '@parkinglot/platform/mqtt';
import type { MqttClient } from 'mqtt';
import type { EmbeddedBroker } from './broker.js';
import { clientIdFor, connectRaw, startTestBroker, USERS, WAIT_MS } from './testing.js';

export class ConnectionFixture {
  broker!: EmbeddedBroker;
  private readonly stops: Array<() => Promise<unknown>> = [];

  async setUp(): Promise<void> {
    this.broker = await startTestBroker();
  }

  async tearDown(): Promise<void> {
    for (const stop of this.stops.splice(0).reverse()) await stop();
    await this.broker.close();
  }

  connection(username: string, extra: Partial<MqttConnectionOptions> = {}): MqttConnection {
    const conn = new MqttConnection({
      url: `mqtt://127.0.0.1:${this.broker.port}`,
      username,
      password: USERS[username]?.password ?? 'wrong',
      clientId: clientIdFor(username),
      log: quietLogger(),
      reconnectPeriodMs: 20,
      ...extra,
    });
    this.stops.push(() => conn.stop());
    return conn;
  }

  async raw(username: string): Promise<MqttClient> {
    const client = await connectRaw(this.broker.port, username);
    this.stops.push(() => client.endAsync(true));
    return client;
  }
}

/** A message handler plus a way to await, in order, the messages it received. */
export function inbox(): {
  handler: (topic: string, payload: Buffer) => void;
  next: () => Promise<[string, string]>;
} {
  const waiting: Array<(m: [string, string]) => void> = [];
  const queued: Array<[string, string]> = [];
  return {
    handler: (topic, payload) => {
      const message: [string, string] = [topic, payload.toString('utf8')];
      const waiter = waiting.shift();
      if (waiter) waiter(message);
      else queued.push(message);
    },
    next: () => {
      const message = queued.shift();
      if (message) return Promise.resolve(message);
      return new Promise((resolve, reject) => {
        waiting.push(resolve);
        setTimeout(() => reject(new Error(`no message within ${WAIT_MS} ms`)), WAIT_MS).unref();
      });
    },
  };
}

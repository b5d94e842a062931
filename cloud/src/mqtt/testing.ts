/**
 * Helpers for the MQTT tests (broker.test.ts, connection.test.ts): a broker with a fixed user
 * table on a free port, raw MQTT.js clients, and bounded waits on events instead of sleeps.
 */

import type { EventEmitter } from 'node:events';
import { once } from 'node:events';
import type net from 'node:net';
import { createLogger, type Logger, quietLogger } from '@parkinglot/platform/log';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import type { Principal } from './acl.js';
import { type EmbeddedBroker, type EmbeddedBrokerOptions, startEmbeddedBroker } from './broker.js';

export const WAIT_MS = 5_000;

/** username → password and principal; the username "db-down" makes authenticate reject. */
export const USERS: Record<string, { password: string; principal: Principal }> = {
  'gate-a': { password: 'secret-a', principal: { role: 'gate', gateId: 'A' } },
  'gate-b': { password: 'secret-b', principal: { role: 'gate', gateId: 'B' } },
  cloud: { password: 'secret-cloud', principal: { role: 'service' } },
  ops: { password: 'secret-ops', principal: { role: 'operator', name: 'ops', level: 'operator' } },
};

export function startTestBroker(
  port = 0,
  log: Logger = quietLogger(),
  tls?: EmbeddedBrokerOptions['tls'],
): Promise<EmbeddedBroker> {
  return startEmbeddedBroker({
    host: '127.0.0.1',
    port,
    log,
    ...(tls ? { tls } : {}),
    authenticate: async (username, password) => {
      if (username === 'db-down') throw new Error('SQLITE_BUSY: database is locked');
      const user = USERS[username];
      return user && password?.toString('utf8') === user.password ? user.principal : null;
    },
  });
}

/** The client id a test login may use (acl.ts clientIdFits): a gate's own id, `<account>-…`, or any. */
export function clientIdFor(username: string): string {
  const principal = USERS[username]?.principal;
  const suffix = Math.random().toString(16).slice(2, 8);
  if (principal?.role === 'gate') return principal.gateId;
  return `${username}-${suffix}`;
}

/** A plain MQTT.js client that does not reconnect, so a refusal or disconnect stays observable. */
export function connectRaw(port: number, username: string, extra: IClientOptions = {}): Promise<MqttClient> {
  return connectAsync(`mqtt://127.0.0.1:${port}`, {
    username,
    password: USERS[username]?.password ?? 'wrong',
    clientId: clientIdFor(username),
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: WAIT_MS,
    ...extra,
  });
}

/** Resolves with the event's arguments, rejects after `ms`. */
export async function waitFor<T extends unknown[] = unknown[]>(
  emitter: EventEmitter | MqttClient,
  event: string,
  ms = WAIT_MS,
): Promise<T> {
  // MqttClient's typed emitter is a plain EventEmitter at runtime.
  try {
    return (await once(emitter as EventEmitter, event, { signal: AbortSignal.timeout(ms) })) as T;
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw new Error(`no '${event}' event within ${ms} ms`);
    throw error;
  }
}

/** The next message `client` receives (on any topic), as topic and UTF-8 payload. */
export async function nextMessage(
  client: MqttClient,
  ms = WAIT_MS,
): Promise<{ topic: string; payload: string }> {
  const [topic, payload] = await waitFor<[string, Buffer]>(client, 'message', ms);
  return { topic, payload: payload.toString('utf8') };
}

/**
 * Whether TCP_NODELAY is on. Node exposes no getter; net.Socket records the last setNoDelay()
 * (or the noDelay option) under the internal symbol kSetNoDelay, applied to the handle on connect.
 */
export function noDelayOf(socket: net.Socket | undefined): boolean {
  if (!socket) throw new Error('no socket');
  const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'kSetNoDelay');
  if (!key) throw new Error('this Node version no longer records kSetNoDelay on net.Socket');
  return (socket as unknown as Record<symbol, unknown>)[key] === true;
}

/** A logger that keeps its lines, to assert what was logged. */
export function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = createLogger('test', 'debug', {
    write: (level, ns, message) => lines.push(`${level} ${ns}: ${message}`),
  });
  return { log, lines };
}

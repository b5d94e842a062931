/** The console's MQTT session: signed in as the account, under a client id of its own (`<name>-console-…`). */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { ConsoleError } from './api.js';
import type { ConsoleSettings } from './settings.js';

/** CONNACK return codes of MQTT 3.1.1 [MQTT-3.2.2.3], said for an operator. */
const REFUSALS: Record<number, string> = {
  2: 'the broker refused the client id',
  3: 'the broker cannot check logins now (server unavailable)',
  4: 'the broker refused the account name or token',
  5: 'the broker does not let this account in',
};

export async function connectBroker(
  settings: ConsoleSettings,
  options: { reconnect: boolean },
): Promise<MqttClient> {
  const client = mqtt.connect(settings.mqttUrl, {
    username: settings.user,
    password: settings.token,
    clientId: `${settings.user}-console-${randomBytes(4).toString('hex')}`,
    protocolVersion: 4,
    reconnectPeriod: options.reconnect ? 1_000 : 0,
    connectTimeout: 5_000,
    clean: true,
  });
  // Without it every request/response waits on Nagle and delayed ACKs (44–88 ms).
  client.on('connect', () => (client.stream as Socket).setNoDelay?.(true));
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error & { code?: number }) => {
        client.end(true);
        const why = typeof error.code === 'number' ? REFUSALS[error.code] : undefined;
        reject(
          new ConsoleError(
            `cannot sign in to ${settings.mqttUrl} as ${settings.user}: ${why ?? error.message}`,
            'mqtt',
          ),
        );
      };
      client.once('error', fail);
      client.once('close', () => fail(new Error('the connection closed')));
      client.once('connect', () => {
        client.removeAllListeners('error');
        client.removeAllListeners('close');
        resolve();
      });
    });
  } catch (error) {
    client.end(true);
    throw error;
  }
  client.on('error', () => undefined);
  return client;
}

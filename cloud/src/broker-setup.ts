/**
 * The cloud's side of the broker at start: the embedded broker on its port with its TLS files, or
 * an external broker's accounts (Mosquitto's dynamic security).
 */

import { readFileSync } from 'node:fs';
import type { Logger } from '@parkinglot/platform/log';
import type { MqttConnection } from '@parkinglot/platform/mqtt';
import type { Clock } from '@parkinglot/platform/time';
import type { ResolvedConfig } from './config/load.js';
import { DEFAULT_MQTT_PORT } from './config/schema.js';
import { FIRST_ADMIN_NAME } from './domain/operators.js';
import {
  type BrokerTls,
  type EmbeddedBroker,
  type EmbeddedBrokerOptions,
  startEmbeddedBroker,
} from './mqtt/broker.js';
import { type BrokerAccounts, DynsecAccounts } from './mqtt/broker-accounts.js';
import { DynsecClient } from './mqtt/dynsec.js';
import { StartupError } from './startup-error.js';
import { listenOnPort } from './util/ports.js';

/** A warning for a default port that was taken, naming the setting that pins one. */
export const stepAside = (log: Logger, setting: string) => (taken: number, next: number) =>
  log.warn(`port ${taken} is taken; trying ${next} (set ${setting} to choose one)`);

/** The embedded broker on its port (the default, or the next free one), with its TLS listener if configured. */
export async function startBroker(
  config: ResolvedConfig,
  deps: { log: Logger; authenticate: EmbeddedBrokerOptions['authenticate'] },
): Promise<EmbeddedBroker> {
  const tls = brokerTls(config);
  return listenOnPort(
    { configured: config.mqttPort, fallback: DEFAULT_MQTT_PORT },
    (port) =>
      startEmbeddedBroker({
        host: config.mqttHost,
        port,
        log: deps.log.child('broker'),
        authenticate: deps.authenticate,
        ...(tls ? { tls } : {}),
      }),
    stepAside(deps.log, 'PARKING_MQTT_PORT'),
  ).catch((error: Error) => {
    throw new StartupError(`PARKING_MQTT_PORT: ${error.message}`);
  });
}

/** The embedded broker's TLS listener, its PEM files read now: a missing one stops the start, named. */
export function brokerTls(config: ResolvedConfig): BrokerTls | null {
  if (config.mqttTlsPort === undefined || !config.mqttTlsCert || !config.mqttTlsKey) return null;
  const read = (variable: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new StartupError(`${variable} ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
  };
  return {
    port: config.mqttTlsPort,
    cert: read('PARKING_MQTT_TLS_CERT', config.mqttTlsCert),
    key: read('PARKING_MQTT_TLS_KEY', config.mqttTlsKey),
    ...(config.mqttTlsClientCa
      ? { clientCa: read('PARKING_MQTT_TLS_CLIENT_CA', config.mqttTlsClientCa) }
      : {}),
  };
}

/**
 * An external broker's accounts: on Mosquitto with dynamic security, the cloud's own rights, the
 * operator login, and from then on each gate's login as it is registered (mqtt/broker-accounts.ts).
 */
export async function provisionExternalBroker(
  config: ResolvedConfig,
  deps: {
    mqtt: MqttConnection;
    log: Logger;
    clock: Clock;
    operatorToken: string;
    /** The gates registered so far, whose roles may lack a channel added since. */
    gateIds: () => Promise<string[]>;
  },
): Promise<BrokerAccounts | undefined> {
  if (config.mqttProvisioning === 'none') {
    deps.log.warn(
      'PARKING_MQTT_PROVISIONING=none: gates are not given logins on the external broker; its own configuration must authenticate them and confine each to its topics',
    );
    return undefined;
  }
  const dynsec = new DynsecClient({ mqtt: deps.mqtt, log: deps.log.child('dynsec'), clock: deps.clock });
  const accounts = new DynsecAccounts(dynsec);
  try {
    await dynsec.start();
    await accounts.prepare({
      cloudUsername: mqttUsername(config.mqttUrl!),
      shareGroup: config.mqttShareGroup === 'none' ? null : config.mqttShareGroup,
      firstAdmin: { name: FIRST_ADMIN_NAME, password: deps.operatorToken },
      // The plugin drops the login whose roles changed; if it did not, go on after a while.
      reconnected: () =>
        new Promise<void>((resolve) => {
          const timer = deps.clock.setTimeout(resolve, 5_000);
          deps.mqtt.once('connected', () => {
            deps.clock.clearTimeout(timer);
            resolve();
          });
        }),
    });
    await accounts.grantGateAcls(await deps.gateIds());
  } catch (error) {
    throw new StartupError(
      `PARKING_MQTT_URL: the broker did not take the cloud's dynamic-security commands (${(error as Error).message}); ` +
        "the cloud's login must hold the plugin's admin role (mosquitto_ctrl dynsec init), or set PARKING_MQTT_PROVISIONING=none",
    );
  }
  return accounts;
}

/** Where gates connect to an external broker: its address without the cloud's own login. */
export function withoutCredentials(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}`;
}

function mqttUsername(url: string): string {
  return decodeURIComponent(new URL(url).username);
}

/**
 * Starts a real cloud: HTTP on a free port, embedded aedes on a free port, and the database of the
 * test variant (variant.ts): a sqlite file under a temporary directory, or a PostgreSQL database of
 * its own, dropped on close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, quietLogger } from '@parkinglot/platform/log';
import type { Clock } from '@parkinglot/platform/time';
import { type ResolvedConfig, resolveConfig } from '../config/load.js';
import { type ConfigInput, configSchema } from '../config/schema.js';
import { type Cloud, startCloud } from '../server.js';
import { Api } from './api.js';
import { startTestMosquitto, type TestMosquitto } from './mosquitto.js';
import { createTestDatabase } from './postgres.js';
import { parseVariant, testVariant, type VariantName } from './variant.js';

export interface TestCloud {
  /** The instance the test talks to over HTTP (and the leader, having started first). */
  cloud: Cloud;
  /** Further instances on the same database and broker (the postgres-mosquitto variant). */
  peers: Cloud[];
  /** The private Mosquitto of the postgres-mosquitto variant (null on the embedded broker). */
  broker: TestMosquitto | null;
  /** A metric's value summed over every instance (each counts what it answered), 0 where it has none. */
  counter(name: string, labels?: Record<string, string>): Promise<number>;
  api: Api;
  dataDir: string;
  config: ResolvedConfig;
  /** Stops the cloud and removes its data directory. */
  close(): Promise<void>;
  /**
   * Stops every instance and, with an external broker, the broker too: the gates' link to the
   * cloud is down, as it is when the embedded broker's one process stops.
   */
  down(): Promise<void>;
  /** Takes it down (if it is not) and starts it again on the same data directories and ports. */
  restart(): Promise<void>;
}

export function testConfig(dataDir: string, overrides: Partial<ConfigInput> = {}): ResolvedConfig {
  return resolveConfig(
    configSchema.parse({
      httpHost: '127.0.0.1',
      httpPort: 0,
      mqttHost: '127.0.0.1',
      mqttPort: 0,
      dataDir,
      operatorToken: 'operator-token-for-tests',
      logLevel: 'silent',
      ...overrides,
    }),
  );
}

export interface TestCloudOptions {
  /** The cloud's clock: the system clock unless given. */
  clock?: Clock;
  /** The cloud's logger: silent unless given. */
  log?: Logger;
  /** sqlite whatever the variant, for a test of what only sqlite has (its lanes, its pragmas). */
  sqlite?: boolean;
  /** This variant whatever PARKING_TEST_VARIANT says, for a test of what only it has (several instances). */
  variant?: VariantName;
}

export async function startTestCloud(
  overrides: Partial<ConfigInput> = {},
  options: TestCloudOptions = {},
): Promise<TestCloud> {
  const variant = options.variant ? parseVariant(options.variant) : testVariant();
  const dataDir = mkdtempSync(join(tmpdir(), 'parkinglot-cloud-'));
  const own = !options.sqlite && overrides.databaseUrl === undefined && variant.database === 'postgres';
  // The embedded broker's own listeners (TLS) are not Mosquitto's: such a test keeps aedes.
  const external =
    own &&
    variant.broker === 'mosquitto' &&
    overrides.mqttUrl === undefined &&
    overrides.mqttTlsPort === undefined;
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(dataDir, { recursive: true, force: true })];
  const cleanUp = async () => {
    for (const step of cleanups.splice(0).reverse()) await step().catch(() => undefined);
  };
  const { clock, log = quietLogger() } = options;
  const start = (c: ResolvedConfig) => startCloud(c, clock ? { log, clock } : { log });
  let config: ResolvedConfig;
  let cloud: Cloud;
  const peers: Cloud[] = [];
  const peerConfigs: ResolvedConfig[] = [];
  let mosquitto: TestMosquitto | null = null;
  try {
    const database = own ? await createTestDatabase() : null;
    if (database) cleanups.push(() => database.drop());
    mosquitto = external ? await startTestMosquitto() : null;
    const broker = mosquitto;
    if (broker) cleanups.push(() => broker.close());
    config = testConfig(dataDir, {
      ...(database ? { databaseUrl: database.url } : {}),
      ...(mosquitto ? { mqttUrl: mosquitto.adminUrl } : {}),
      ...overrides,
    });
    cloud = await start(config);
    // The first instance leads (it took the lease first); the others answer gates beside it.
    for (let i = 1; i < (external ? variant.instances : 1); i++) {
      const peerDir = mkdtempSync(join(tmpdir(), 'parkinglot-cloud-'));
      cleanups.push(async () => rmSync(peerDir, { recursive: true, force: true }));
      peerConfigs.push({ ...config, dataDir: peerDir });
      peers.push(await start(peerConfigs.at(-1)!));
    }
  } catch (error) {
    await cleanUp();
    throw error;
  }
  const api = new Api(cloud.httpUrl, cloud.operatorToken);
  const handle: TestCloud = {
    get cloud() {
      return cloud;
    },
    peers,
    broker: mosquitto,
    counter: async (name, labels) => {
      let sum = 0;
      for (const c of [cloud, ...peers]) sum += await c.metrics.value(name, labels);
      return sum;
    },
    api,
    dataDir,
    get config() {
      return config;
    },
    async close() {
      await handle.down();
      await cleanUp();
    },
    async down() {
      for (const instance of [...peers, cloud]) await instance.stop();
      await mosquitto?.stop();
    },
    async restart() {
      await handle.down();
      await mosquitto?.start();
      // Same ports, so connected gates reconnect to where they were.
      config = { ...config, httpPort: cloud.httpPort, mqttPort: cloud.mqttPort ?? 0 };
      cloud = await start(config);
      for (let i = 0; i < peers.length; i++) {
        peers[i] = await start({ ...peerConfigs[i]!, httpPort: peers[i]!.httpPort });
      }
    },
  };
  return handle;
}

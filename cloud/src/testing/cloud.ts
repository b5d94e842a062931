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
import { createTestDatabase } from './postgres.js';
import { testVariant } from './variant.js';

export interface TestCloud {
  cloud: Cloud;
  api: Api;
  dataDir: string;
  config: ResolvedConfig;
  /** Stops the cloud and removes its data directory. */
  close(): Promise<void>;
  /** Stops the cloud and starts it again on the same data directory and ports. */
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
}

export async function startTestCloud(
  overrides: Partial<ConfigInput> = {},
  options: TestCloudOptions = {},
): Promise<TestCloud> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parkinglot-cloud-'));
  const database =
    overrides.databaseUrl === undefined && !options.sqlite && testVariant().database === 'postgres'
      ? await createTestDatabase()
      : null;
  let config = testConfig(dataDir, database ? { databaseUrl: database.url, ...overrides } : overrides);
  const { clock, log = quietLogger() } = options;
  let cloud = await startCloud(config, clock ? { log, clock } : { log }).catch(async (error: unknown) => {
    await database?.drop();
    throw error;
  });
  const api = new Api(cloud.httpUrl, cloud.operatorToken);
  const handle: TestCloud = {
    get cloud() {
      return cloud;
    },
    api,
    dataDir,
    get config() {
      return config;
    },
    async close() {
      await cloud.stop();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    async restart() {
      await cloud.stop();
      // Same ports, so connected gates reconnect to where they were.
      config = { ...config, httpPort: cloud.httpPort, mqttPort: cloud.mqttPort ?? 0 };
      cloud = await startCloud(config, clock ? { log, clock } : { log });
    },
  };
  return handle;
}

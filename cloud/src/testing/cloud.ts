/** Starts a real cloud (real sqlite file, embedded aedes on a free port, HTTP on a free port). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, quietLogger } from '@parkinglot/platform/log';
import type { Clock } from '@parkinglot/platform/time';
import { type ResolvedConfig, resolveConfig } from '../config/load.js';
import { type ConfigInput, configSchema } from '../config/schema.js';
import { type Cloud, startCloud } from '../server.js';
import { Api } from './api.js';

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

/** `log`: the cloud's logger, silent unless given; `clock`: the system clock unless given. */
export async function startTestCloud(
  overrides: Partial<ConfigInput> = {},
  options: { clock?: Clock; log?: Logger } = {},
): Promise<TestCloud> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parkinglot-cloud-'));
  let config = testConfig(dataDir, overrides);
  const { clock, log = quietLogger() } = options;
  let cloud = await startCloud(config, clock ? { log, clock } : { log });
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

/** A cloud in this process on free ports and a temporary sqlite file, with a bench facility seeded. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, configSchema, createLogger, startCloud } from '@parkinglot/cloud';

export interface BenchCloud {
  cloud: Cloud;
  // biome-ignore lint/suspicious/noExplicitAny: the bench reads a few fields of many JSON answers.
  call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startBenchCloud(): Promise<BenchCloud> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parkinglot-bench-'));
  const parsed = configSchema.parse({
    httpHost: '127.0.0.1',
    httpPort: 0,
    mqttHost: '127.0.0.1',
    mqttPort: 0,
    dataDir,
    operatorToken: 'bench-operator-token-0000',
    logLevel: 'error',
  });
  const config = { ...parsed, databaseUrl: `sqlite:${join(dataDir, 'parkinglot.sqlite')}` };
  const cloud = await startCloud(config, { log: createLogger('bench-cloud', 'error') });
  return {
    cloud,
    async call(method, path, body, token = cloud.operatorToken) {
      const res = await fetch(`${cloud.httpUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : {} };
    },
    async close() {
      await cloud.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

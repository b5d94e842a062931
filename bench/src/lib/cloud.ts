/**
 * The cloud under measurement, in this process on free ports (the cloud's own test kit): a sqlite
 * file and the embedded broker, or (for the scale-out comparison) PostgreSQL, a private Mosquitto
 * and several instances.
 */
import type { Cloud } from '@parkinglot/cloud';
import { startTestCloud, type TestCloudOptions } from '@parkinglot/cloud/testing';
import { createLogger } from '@parkinglot/platform/log';

export interface BenchCloud {
  /** The first instance (the leader, and the one the seeding goes through). */
  cloud: Cloud;
  /** Every instance's HTTP address, for loads spread over them. */
  httpUrls: string[];
  /** A gateway counter summed over the instances. */
  counter(name: string, labels?: Record<string, string>): Promise<number>;
  /** A request as the operator, or as the holder of `token`. */
  // biome-ignore lint/suspicious/noExplicitAny: the bench reads a few fields of many JSON answers.
  call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startBenchCloud(variant?: TestCloudOptions['variant']): Promise<BenchCloud> {
  // Errors are shown: a failure inside the cloud would otherwise look like a slow benchmark.
  const t = await startTestCloud(
    { logLevel: 'error' },
    { log: createLogger('bench-cloud', 'error'), ...(variant ? { variant } : { sqlite: true }) },
  );
  return {
    cloud: t.cloud,
    httpUrls: [t.cloud, ...t.peers].map((c) => c.httpUrl),
    counter: (name, labels) => t.counter(name, labels),
    call: (method, path, body, token) => t.api.call(method, path, { body, ...(token ? { token } : {}) }),
    close: () => t.close(),
  };
}

/** A cloud in this process on free ports and a temporary sqlite file (the cloud's own test kit). */
import type { Cloud } from '@parkinglot/cloud';
import { startTestCloud } from '@parkinglot/cloud/testing';
import { createLogger } from '@parkinglot/platform/log';

export interface BenchCloud {
  cloud: Cloud;
  /** A request as the operator, or as the holder of `token`. */
  // biome-ignore lint/suspicious/noExplicitAny: the bench reads a few fields of many JSON answers.
  call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startBenchCloud(): Promise<BenchCloud> {
  // Errors are shown: a failure inside the cloud would otherwise look like a slow benchmark.
  const t = await startTestCloud({ logLevel: 'error' }, { log: createLogger('bench-cloud', 'error') });
  return {
    cloud: t.cloud,
    call: (method, path, body, token) => t.api.call(method, path, { body, ...(token ? { token } : {}) }),
    close: () => t.close(),
  };
}

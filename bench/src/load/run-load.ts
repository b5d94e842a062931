/** Runs the gate load generator as a child process and returns its result. */
import { join } from 'node:path';
import { runChild } from './child.js';
import type { LoadResult, LoadSpec } from './gates.js';

/** The warm-up before a load is measured: half the measured time, at most 2 s. */
export const warmupFor = (durationMs: number) => Math.min(2000, durationMs / 2);

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  // Connecting, warming up and measuring, with room for 10,000 gates to connect.
  const limitMs = spec.warmupMs + spec.durationMs + 120_000;
  return runChild(join(import.meta.dirname, 'gates.ts'), spec, limitMs);
}

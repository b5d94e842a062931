/**
 * The reservation API under load from a separate process (src/load/http.ts): reserve then cancel by
 * C concurrent members over keep-alive HTTP, beside `GET /healthz` on the same server in the same
 * run (the framework's own cost), and schedule reads.
 */
import { join } from 'node:path';
import type { BenchCloud } from '../lib/cloud.js';
import { runChild } from '../load/child.js';
import type { HttpCase, HttpCaseResult, HttpSpec } from '../load/http.js';

/** A facility of its own with one member and one space per reserve + cancel worker. */
export async function seedHttpMembers(bench: BenchCloud, count: number, prefix: string) {
  const facility = await bench.call('POST', '/api/facilities', { name: `HTTP ${prefix}` });
  const members: HttpSpec['members'] = [];
  for (let i = 0; i < count; i++) {
    const plate = `${prefix}${i}X`;
    const member = await bench.call('POST', '/api/members', { name: `${prefix} ${i}`, plates: [plate] });
    const space = await bench.call('POST', `/api/facilities/${facility.body.id}/spaces`, {
      label: `${prefix}${i}`,
      floor: 1,
    });
    members.push({ token: member.body.token, plate, spaceId: space.body.id });
  }
  return { facilityId: facility.body.id as string, members };
}

export async function httpBench(
  bench: BenchCloud,
  concurrency: number,
  durationMs: number,
  cases: HttpCase[] = ['healthz', 'reserveCancel', 'schedule'],
  prefix = 'HB',
) {
  const { facilityId, members } = await seedHttpMembers(bench, concurrency, prefix);
  const spec: HttpSpec = {
    url: bench.cloud.httpUrl,
    urls: bench.httpUrls,
    operatorToken: bench.cloud.operatorToken,
    facilityId,
    members,
    cases,
    durationMs,
    warmupMs: Math.min(1000, durationMs / 4),
  };
  const limitMs = cases.length * (spec.warmupMs + durationMs) + 60_000;
  const results = await runChild<HttpSpec, Record<HttpCase, HttpCaseResult>>(
    join(import.meta.dirname, '..', 'load', 'http.ts'),
    spec,
    limitMs,
  );
  for (const [name, result] of Object.entries(results)) {
    if (result.errors > 0)
      throw new Error(`HTTP ${name}: ${result.errors} errors, first: ${result.firstError}`);
  }
  return results;
}

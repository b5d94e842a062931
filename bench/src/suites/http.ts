/**
 * The reservation API under load: reserve then cancel, by C concurrent members over keep-alive
 * HTTP, beside `GET /healthz` on the same server in the same run (the framework's own cost).
 */

import type { BenchCloud } from '../lib/cloud.js';
import { Latency } from '../lib/histogram.js';

export interface HttpResult {
  ops: number;
  perSecond: number;
  latency: ReturnType<Latency['summary']>;
  errors: number;
}

async function closedLoop(
  concurrency: number,
  durationMs: number,
  op: (worker: number) => Promise<boolean>,
): Promise<HttpResult> {
  const latency = new Latency();
  let ops = 0;
  let errors = 0;
  const deadline = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < deadline) {
        const t = performance.now();
        const ok = await op(worker).catch(() => false);
        latency.record(performance.now() - t);
        if (ok) ops += 1;
        else errors += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return { ops, perSecond: ops / elapsed, latency: latency.summary(), errors };
}

export async function httpBench(bench: BenchCloud, concurrency: number, durationMs: number) {
  const facility = await bench.call('POST', '/api/facilities', { name: 'HTTP bench' });
  const members: { token: string; plate: string; spaceId: string }[] = [];
  for (let i = 0; i < concurrency; i++) {
    const plate = `HB${i}X`;
    const member = await bench.call('POST', '/api/members', { name: `m${i}`, plates: [plate] });
    const space = await bench.call('POST', `/api/facilities/${facility.body.id}/spaces`, {
      label: `H${i}`,
      floor: 1,
    });
    members.push({ token: member.body.token, plate, spaceId: space.body.id });
  }
  const baseline = await closedLoop(concurrency, durationMs, async () => {
    const res = await fetch(`${bench.cloud.httpUrl}/healthz`);
    await res.arrayBuffer();
    return res.ok;
  });
  // One operation is a reserve and its cancel: the space is free again for the next round.
  const reserveCancel = await closedLoop(concurrency, durationMs, async (worker) => {
    const m = members[worker]!;
    const r = await bench.call('POST', '/api/reservations', { spaceId: m.spaceId, plate: m.plate }, m.token);
    if (r.status !== 201) return false;
    const c = await bench.call('POST', `/api/reservations/${r.body.id}/cancel`, undefined, m.token);
    return c.status === 200;
  });
  const schedule = await closedLoop(concurrency, durationMs, async () => {
    const r = await bench.call('GET', `/api/schedule?facilityId=${facility.body.id}`);
    return r.status === 200;
  });
  return { baseline, reserveCancel, schedule };
}

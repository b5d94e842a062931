/**
 * Entry authorization through the real cloud: the broker's authentication and ACL, the responder,
 * the database and the decision, from N gates in a separate process. The credential belongs to a
 * member without a reservation, so every request runs the whole decision (credential, anti-passback,
 * reservations) and is answered `deny: no_reservation` without a write.
 */
import { registerGate } from '@parkinglot/cloud';
import type { BenchCloud } from '../lib/cloud.js';
import type { LoadResult } from '../load/gates.js';
import { runLoad } from '../load/run-load.js';

export async function seedGates(bench: BenchCloud, count: number, progress: (done: number) => void) {
  const facility = await bench.call('POST', '/api/facilities', { name: 'Bench' });
  await bench.call('POST', '/api/members', { name: 'Bench member', plates: ['BENCH1'] });
  const gates: { id: string; password: string }[] = [];
  for (let i = 0; i < count; i++) {
    const gate = await registerGate(bench.cloud.ctx, facility.body.id, {
      name: `bench ${i}`,
      direction: 'entry',
    });
    gates.push({ id: gate.id, password: gate.mqtt.password });
    if ((i + 1) % 500 === 0) progress(i + 1);
  }
  return gates;
}

export function authorizationLoad(
  bench: BenchCloud,
  gates: { id: string; password: string }[],
  mode: 'closed' | 'open',
  durationMs: number,
  rate?: number,
): Promise<LoadResult> {
  return runLoad({
    url: bench.cloud.mqttUrl,
    gates,
    mode,
    ...(rate ? { rate } : {}),
    durationMs,
    warmupMs: Math.min(2000, durationMs / 2),
    plate: 'BENCH1',
  });
}

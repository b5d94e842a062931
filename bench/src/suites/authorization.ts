/**
 * Entry authorization through the real cloud: the broker's authentication and ACL, the responder,
 * the decision and (for an allow) its transaction, from N gates in a separate process.
 *
 * The deny load asks for a member without a reservation: every request runs the whole decision
 * (credential, anti-passback, reservations) and is answered `deny: no_reservation` without a write.
 * The allow load asks once for each of R members holding a reservation: every request is decided
 * again in a transaction that claims the reservation and commits (fsync) before the answer.
 */
import { registerGate } from '@parkinglot/cloud';
import type { BenchCloud } from '../lib/cloud.js';
import type { LoadResult } from '../load/gates.js';
import { runLoad, warmupFor } from '../load/run-load.js';

export async function seedGates(
  bench: BenchCloud,
  facilityId: string,
  count: number,
  progress: (done: number) => void,
) {
  const gates: { id: string; password: string }[] = [];
  for (let i = 0; i < count; i++) {
    const gate = await registerGate(bench.cloud.ctx, facilityId, { name: `bench ${i}`, direction: 'entry' });
    gates.push({ id: gate.id, password: gate.mqtt.password });
    if ((i + 1) % 500 === 0) progress(i + 1);
  }
  return gates;
}

/** R members, each with a space reserved in the facility for their plate (`<prefix><n>`); returns the plates. */
export async function seedReservations(
  bench: BenchCloud,
  facilityId: string,
  count: number,
  progress: (done: number) => void,
  prefix = 'AL',
): Promise<string[]> {
  const plates: string[] = [];
  for (let i = 0; i < count; i++) {
    const plate = `${prefix}${i}`;
    const member = await bench.call('POST', '/api/members', { name: `allow ${plate}`, plates: [plate] });
    const space = await bench.call('POST', `/api/facilities/${facilityId}/spaces`, {
      label: plate,
      floor: 1,
    });
    const made = await bench.call(
      'POST',
      '/api/reservations',
      { spaceId: space.body.id, plate },
      member.body.token,
    );
    if (made.status !== 201) throw new Error(`seeding reservation ${i}: HTTP ${made.status}`);
    plates.push(plate);
    if ((i + 1) % 1000 === 0) progress(i + 1);
  }
  return plates;
}

export async function authorizationLoad(
  bench: BenchCloud,
  gates: { id: string; password: string }[],
  mode: 'closed' | 'open',
  durationMs: number,
  options: { rate?: number; plates?: string[] } = {},
): Promise<LoadResult> {
  const result = await runLoad({
    url: bench.cloud.mqttUrl,
    gates,
    mode,
    ...(options.rate ? { rate: options.rate } : {}),
    durationMs,
    warmupMs: warmupFor(durationMs),
    plates: options.plates ?? ['BENCH1'],
  });
  await settled(bench);
  return result;
}

/**
 * Waits until the cloud has answered everything a saturated load left queued (its decision counters
 * stand still), so that a backlog does not run into the next measurement.
 */
async function settled(bench: BenchCloud): Promise<void> {
  const decided = () => bench.counter('parking_auth_decisions_total');
  let last = -1;
  for (let now = await decided(); now !== last; now = await decided()) {
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

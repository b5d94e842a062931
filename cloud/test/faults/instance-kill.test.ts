/**
 * kill -9 of one of two cloud instances (real processes on PostgreSQL and Mosquitto) while gates
 * ask and report: every request is answered by the survivor or denied by the gate's own timeout,
 * never a wrong allow; every event is applied once; the leader's work resumes on the survivor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  driveThrough,
  expectAppliedOnce,
  expectNoWrongAllow,
  expectSurvivorLeads,
  startTwoInstances,
  type TwoInstances,
} from './two-instances.js';

describe('kill -9 of one of two instances under gate traffic', () => {
  let env: TwoInstances;

  beforeAll(async () => {
    env = await startTwoInstances();
  }, 60_000);
  afterAll(async () => env?.close());

  it('answers through the survivor or times out, never a wrong allow, loses and repeats no event', async () => {
    // The leader dies while the other gates' requests and events are in flight.
    const run = await driveThrough(env, { faultAfter: 12, fault: () => env.a.kill('SIGKILL') });
    expectNoWrongAllow(run);
    // Every car got in, but those whose allow the killed instance committed and could not send:
    // their reservation waits for a Started that never comes (admission_pending, fail closed).
    for (const o of run.outcomes) {
      if (!o.answers.includes('allow')) expect(o.reasons.every((r) => r === 'admission_pending')).toBe(true);
    }
    expect(run.outcomes.filter((o) => o.afterFault && o.answers.includes('allow')).length).toBeGreaterThan(0);
    await expectAppliedOnce(env, run.started);
    await expectSurvivorLeads(run);
  }, 120_000);
});

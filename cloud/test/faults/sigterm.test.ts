/**
 * SIGTERM to one of two cloud instances (real processes on PostgreSQL and Mosquitto) while gates
 * ask and report: it leaves the share group, answers what it has taken and exits 0, so no allow is
 * lost with it. Every request is answered or denied by the gate's own timeout, never a wrong allow;
 * every event is applied once; the lease it held passes to the survivor.
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

describe('SIGTERM to one of two instances under gate traffic', () => {
  let env: TwoInstances;

  beforeAll(async () => {
    env = await startTwoInstances({ PARKING_LOG_LEVEL: 'info' });
  }, 60_000);
  afterAll(async () => env?.close());

  it('drains: every car the cloud allowed was told, nothing is lost, and the survivor leads', async () => {
    const run = await driveThrough(env, { faultAfter: 12, fault: () => env.a.kill('SIGTERM') });
    expect(env.a.proc.exitCode).toBe(0);
    const log = env.a.stderr();
    expect(log).toContain('every request taken has been answered');
    expect(log).not.toContain('could not answer gate');
    expectNoWrongAllow(run);
    // An allow the stopping instance committed was answered: a car is kept out only when its own
    // gate gave up waiting first (a timeout, then admission_pending), never by the stop itself.
    for (const o of run.outcomes) {
      if (o.answers.includes('allow')) continue;
      expect(o.answers[0]).toBe('timeout');
      expect(o.reasons.every((r) => r === 'admission_pending')).toBe(true);
    }
    expect(run.outcomes.filter((o) => o.afterFault && o.answers.includes('allow')).length).toBeGreaterThan(0);
    await expectAppliedOnce(env, run.started);
    await expectSurvivorLeads(run);
  }, 120_000);
});

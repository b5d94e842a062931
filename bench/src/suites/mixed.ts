/**
 * Allows under mixed load: what a busy site asks of one cloud at once. Entry allows arrive on a fixed
 * schedule (open loop) from 100 gates while members reserve and cancel at full speed, operators read
 * the schedule, and an exit gate drains an outage's backlog of Ended events. Each allow claims a
 * reservation of its own and commits before it is answered; its latency counts from when it was due.
 * The target is the allows' p99: a gate waits 800 ms before it denies on its own.
 */
import { join } from 'node:path';
import type { BenchCloud } from '../lib/cloud.js';
import { runChild } from '../load/child.js';
import type { LoadResult } from '../load/gates.js';
import type { HttpCaseResult, HttpSpec } from '../load/http.js';
import { runLoad, warmupFor } from '../load/run-load.js';
import { seedReservations } from './authorization.js';
import { seedHttpMembers } from './http.js';
import { prepareBacklog } from './outbox.js';

export interface MixedResult {
  allows: LoadResult;
  reserveCancel: HttpCaseResult;
  schedule: HttpCaseResult;
  drainPerSecond: number;
  /** The backlog outlasted the allows' measured window, so the drain ran through all of it. */
  drainCovered: boolean;
  noneLost: boolean;
  /** Domain events the schedule's projector had yet to apply when the allows' window closed. */
  projectorLag: number;
}

export interface MixedPlan {
  gates: { id: string; password: string }[];
  facilityId: string;
  allowRate: number;
  durationMs: number;
  /** Ended events in the exit gate's backlog. */
  backlog: number;
  httpClients: number;
  scheduleClients: number;
}

export async function mixedBench(
  bench: BenchCloud,
  plan: MixedPlan,
  progress: (line: string) => void,
): Promise<MixedResult> {
  const warmupMs = warmupFor(plan.durationMs);
  const count = Math.ceil((plan.allowRate * (plan.durationMs + warmupMs) * 1.1) / 1000);
  progress(`mixed load: seeding ${count} reservations for the allows`);
  const plates = await seedReservations(bench, plan.facilityId, count, (d) => progress(`  ${d} made`), 'MX');
  progress(`mixed load: ${plan.backlog} Ended events in an exit gate's outbox`);
  const backlog = await prepareBacklog(bench, plan.backlog, 'ended', progress);
  try {
    const http = await seedHttpMembers(bench, plan.httpClients, 'MH');
    const spec: HttpSpec = {
      url: bench.cloud.httpUrl,
      operatorToken: bench.cloud.operatorToken,
      facilityId: http.facilityId,
      members: http.members,
      cases: ['reserveCancel', 'schedule'],
      // Starts with the gates' warm-up and lasts past their window (connecting the gates takes a moment).
      warmupMs,
      durationMs: plan.durationMs + 3000,
      together: { scheduleWorkers: plan.scheduleClients },
    };
    progress(
      `mixed load: allows at ${plan.allowRate}/s from ${plan.gates.length} gates, reserve + cancel ` +
        `(${plan.httpClients} clients), schedule reads (${plan.scheduleClients}), outbox drain, ${plan.durationMs} ms`,
    );
    let drained = false;
    const drain = backlog
      .drain(() => undefined)
      .then((perSecond) => {
        drained = true;
        return perSecond;
      });
    const httpRun = runChild<HttpSpec, Record<'reserveCancel' | 'schedule', HttpCaseResult>>(
      join(import.meta.dirname, '..', 'load', 'http.ts'),
      spec,
      spec.warmupMs + spec.durationMs * 2 + 60_000,
    );
    const allows = await runLoad({
      url: bench.cloud.mqttUrl,
      gates: plan.gates,
      mode: 'open',
      rate: plan.allowRate,
      durationMs: plan.durationMs,
      warmupMs,
      plates,
    });
    const drainCovered = !drained;
    const asOf = await bench.call('GET', `/api/schedule?facilityId=${plan.facilityId}`);
    const projectorLag = Number(asOf.body.asOf.lag);
    const [httpResults, drainPerSecond] = await Promise.all([httpRun, drain]);
    for (const [name, result] of Object.entries(httpResults)) {
      if (result.errors > 0)
        throw new Error(`mixed HTTP ${name}: ${result.errors} errors: ${result.firstError}`);
    }
    return {
      allows,
      reserveCancel: httpResults.reserveCancel,
      schedule: httpResults.schedule,
      drainPerSecond,
      drainCovered,
      projectorLag,
      noneLost: await backlog.noneLost(),
    };
  } finally {
    await backlog.close();
  }
}

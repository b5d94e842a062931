/**
 * The faults, one after another while the traffic flows: each is injected, held, lifted, and then
 * the suite waits for the site to recover (every pair it touched has let a reserved car in since it
 * was lifted) and checks the schedule read model against a rebuild from the event log.
 */

import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { quietLogger, verifySchedule } from '@parkinglot/cloud';
import type { FaultSite, SiteGate } from './site.js';
import type { Moment, Traffic } from './traffic.js';

export interface Fault {
  name: string;
  /** The pairs it touches (their recovery is waited for); all of them when it touches the cloud. */
  pairs: (site: FaultSite) => number[];
  inject(site: FaultSite, holdMs: number): Promise<void>;
  lift(site: FaultSite): Promise<void>;
  /**
   * When the site had recovered from it, or null while it has not: by default when every pair it
   * touched has let a car in since it was lifted.
   */
  recoveredAt?(site: FaultSite, traffic: Traffic, liftedAt: number): number | null;
  /** After it recovered: what went wrong with the fault itself (it did not happen as meant), or null. */
  check?(site: FaultSite): string | null;
}

export interface FaultResult {
  name: string;
  /** Reserved cars turned away at the pairs it touched, from injection until recovery. */
  falseDenies: number;
  /** Entry attempts of reserved cars in that time (what the false denies are out of). */
  entryAttempts: number;
  /** Exits that did not open at a car's first try in that time (an agent restarting opens nothing). */
  exitWaits: number;
  /** From the fault being lifted until every pair it touched let a car in again; null: not within the cap. */
  recoveredMs: number | null;
  heldMs: number;
  scheduleMatchesRebuild: boolean;
  scheduleDifferences: string[];
  /** The fault did not happen as it was meant to. */
  trouble: string | null;
}

/** Every touched pair has let a car in since the fault was lifted. */
function admittedAgain(traffic: Traffic, liftedAt: number, pairs: number[]): number | null {
  const firsts = pairs.map((p) => (traffic.stats.admissions[p] ?? []).find((at) => at > liftedAt));
  return firsts.every((at) => at !== undefined) ? Math.max(...(firsts as number[])) : null;
}

/** An exit gate's fault: a car has left through it since, and its outbox is empty again. */
function exitRecovered(gate: (site: FaultSite) => SiteGate) {
  return (site: FaultSite, traffic: Traffic, liftedAt: number): number | null => {
    const g = gate(site);
    const left = (traffic.stats.departures[g.pair] ?? []).find((at) => at > liftedAt);
    return left !== undefined && site.depths.get(g.id) === 0 ? Math.max(left, Date.now()) : null;
  };
}

const everyPair = (site: FaultSite) => site.pairs.map((p) => p.index);

/** Fills the gate's own small disk (ENOSPC from here on) until the filler is removed. */
function fillDisk(gate: SiteGate): void {
  const fd = openSync(join(gate.dataDir, 'filler'), 'w');
  const chunk = Buffer.alloc(256 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch {
    // ENOSPC: full.
  } finally {
    closeSync(fd);
  }
}

/** The disk-full gate's disk filled, and checked to have refused a write while it was full. */
function diskFull(): Fault {
  let refusedBefore = 0;
  const refused = (site: FaultSite) => site.writeFailures.get(site.special.diskFull.id) ?? 0;
  return {
    name: 'the edge’s disk full',
    pairs: (site) => [site.special.diskFull.pair],
    inject: async (site) => {
      refusedBefore = refused(site);
      fillDisk(site.special.diskFull);
    },
    lift: async (site) => rmSync(join(site.special.diskFull.dataDir, 'filler'), { force: true }),
    recoveredAt: exitRecovered((site) => site.special.diskFull),
    check: (site) =>
      refused(site) > refusedBefore
        ? null
        : 'the full disk never refused a write (no car left by that exit while it was full?)',
  };
}

export const FAULTS: Fault[] = [
  {
    name: 'cloud SIGKILL and restart (both instances)',
    pairs: everyPair,
    inject: async (site) => {
      await Promise.all([site.killCloud(0), site.killCloud(1)]);
    },
    lift: async (site) => {
      await site.startCloud(0);
      await site.startCloud(1);
    },
  },
  {
    name: 'one of two instances killed (SIGKILL)',
    pairs: everyPair,
    inject: (site) => site.killCloud(0),
    lift: (site) => site.startCloud(0),
  },
  {
    name: 'broker restart',
    pairs: everyPair,
    inject: (site) => site.broker.stop(),
    lift: (site) => site.broker.start(),
  },
  {
    name: 'PostgreSQL restart',
    pairs: everyPair,
    inject: async (site) => site.pg.stop(),
    lift: async (site) => site.pg.start(),
  },
  {
    name: 'a gate’s link cut, then black-holed, then restored',
    pairs: (site) => [site.pairs[0]!.index],
    inject: async (site, holdMs) => {
      const { link } = site.pairs[0]!.entry;
      link.cut();
      await pause(holdMs / 2);
      link.restore();
      link.blackhole();
    },
    lift: async (site) => site.pairs[0]!.entry.link.restore(),
  },
  {
    name: 'an agent SIGKILLed while it drains its outbox',
    pairs: (site) => [site.special.killed.pair],
    // Its link cut, the exit keeps opening and its Ended events pile up in the outbox.
    inject: async (site) => site.special.killed.link.cut(),
    recoveredAt: exitRecovered((site) => site.special.killed),
    lift: async (site) => {
      const gate = site.special.killed;
      const backlog = site.depths.get(gate.id) ?? 0;
      gate.link.restore();
      // Killed once it has begun to drain (or after a moment, when it had little to drain).
      for (let i = 0; i < 200 && (site.depths.get(gate.id) ?? 0) >= backlog && backlog > 0; i++)
        await pause(10);
      await site.killHost(gate);
      await site.startHost(gate.host);
    },
  },
  diskFull(),
  {
    name: 'one gate’s clock 10 minutes ahead',
    pairs: (site) => [site.special.skewed.pair],
    inject: async (site) =>
      site.tellHost(site.special.skewed, {
        kind: 'clock',
        gateId: site.special.skewed.id,
        offsetMs: 600_000,
      }),
    lift: async (site) =>
      site.tellHost(site.special.skewed, { kind: 'clock', gateId: site.special.skewed.id, offsetMs: 0 }),
  },
];

/** Runs one fault under the traffic and measures it. */
export async function runFault(
  site: FaultSite,
  traffic: Traffic,
  fault: Fault,
  plan: { holdMs: number; recoverCapMs: number },
  log: (line: string) => void,
): Promise<FaultResult> {
  log(`${fault.name}: injected, held ${plan.holdMs / 1000} s`);
  const injectedAt = Date.now();
  await fault.inject(site, plan.holdMs);
  await pause(Math.max(0, plan.holdMs - (Date.now() - injectedAt)));
  await fault.lift(site);
  const liftedAt = Date.now();
  const heldMs = liftedAt - injectedAt;
  const pairs = fault.pairs(site);
  let recoveredMs: number | null = null;
  while (Date.now() - liftedAt < plan.recoverCapMs) {
    const at = fault.recoveredAt
      ? fault.recoveredAt(site, traffic, liftedAt)
      : admittedAgain(traffic, liftedAt, pairs);
    if (at !== null) {
      recoveredMs = at - liftedAt;
      break;
    }
    await pause(100);
  }
  const trouble = fault.check?.(site) ?? null;
  if (recoveredMs === null) for (const p of pairs) log(`${fault.name}: pair ${p} is ${traffic.doing[p]}`);
  const end = recoveredMs === null ? Date.now() : liftedAt + recoveredMs;
  const touched = new Set(pairs);
  const within = (moments: Moment[]) =>
    moments.filter((m) => touched.has(m.pair) && m.at >= injectedAt && m.at <= end).length;
  const falseDenies = within(traffic.stats.falseDenies);
  const check = await verifySchedule(site.pg.url, quietLogger()).catch((error: Error) => ({
    seq: 0,
    spaces: 0,
    differences: [`could not compare: ${error.message}`],
  }));
  log(
    `${fault.name}: ${recoveredMs === null ? 'NOT recovered' : `recovered ${(recoveredMs / 1000).toFixed(1)} s after it was lifted`}, ` +
      `${falseDenies} false denies, schedule ${check.differences.length === 0 ? '= rebuild' : `differs in ${check.differences.length} spaces`}`,
  );
  return {
    name: fault.name,
    falseDenies,
    entryAttempts: within(traffic.stats.entryAttempts),
    exitWaits: traffic.stats.exitWaits.filter((at) => at >= injectedAt && at <= end).length,
    recoveredMs,
    heldMs,
    scheduleMatchesRebuild: check.differences.length === 0,
    trouble,
    scheduleDifferences: check.differences,
  };
}

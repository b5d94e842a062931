#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
/**
 * `npm run faults [-- --quick] [--write]`: the fault suite. A simulated site (25 pairs of gates and 500
 * members; --quick: 4 pairs and 40) in continuous traffic through real processes, and every fault of
 * schedule.ts injected in turn. Prints, per fault, the false denies, the time to recover and whether
 * the schedule equals a rebuild from the event log; and over the run, the events emitted against
 * those the cloud took (lost and applied twice must be 0), wrong allows (must be 0) and the largest
 * outbox depth. --write puts the table in docs/reliability.md. Exits 1 when anything must-be-0 is
 * not, a fault did not recover, or a schedule differs from its rebuild.
 */
import { setTimeout as pause } from 'node:timers/promises';
import { quietLogger, verifySchedule } from '@parkinglot/cloud';
import pg from 'pg';
import { type RunFigures, reliabilityReport } from './report.js';
import { FAULTS, type FaultResult, runFault } from './schedule.js';
import { FaultSite } from './site.js';
import { Traffic } from './traffic.js';

const USAGE = `usage: npm run faults [-- --quick] [--write] [--only <text>] [--pairs N] [--members N] [--hold S]
  --quick         the short pass CI runs: 4 pairs of gates, 40 members, each fault held 4 s
  --write         put the table in docs/reliability.md (a full run's)
  --only <text>   only the faults whose name holds <text> (none: traffic only)
  --pairs, --members, --hold   the site's size and how long each fault is held (seconds)`;

const say = (line: string) => process.stdout.write(`${line}\n`);

async function accounting(
  site: FaultSite,
): Promise<Omit<RunFigures, 'faults' | 'plan' | 'traffic' | 'drained' | 'finalSchedule'>> {
  const ids = [...site.emitted.keys()];
  const db = new pg.Client({ connectionString: site.pg.url });
  await db.connect();
  try {
    const rows = await db.query<{ event_id: string; type: string; outcome: string; anomaly: string | null }>(
      'select event_id, type, outcome, anomaly from gate_events where event_id = any($1)',
      [ids],
    );
    const entryOrExit = rows.rows.filter((r) => r.type === 'Started' || r.type === 'Ended');
    const received = new Map(rows.rows.map((r) => [r.event_id, r]));
    const lost = ids.filter((id) => !received.has(id));
    const anomalies: Record<string, number> = {};
    for (const r of rows.rows) if (r.anomaly) anomalies[r.anomaly] = (anomalies[r.anomaly] ?? 0) + 1;
    const twice = await db.query<{ n: number }>(
      `select count(*)::int as n from (
         select entry_event_id from parking_sessions group by entry_event_id having count(*) > 1
         union all
         select exit_event_id from parking_sessions where exit_event_id is not null group by exit_event_id having count(*) > 1
       ) d`,
    );
    return {
      emitted: ids.length,
      received: received.size,
      applied: rows.rows.filter((r) => r.outcome === 'applied').length,
      recorded: rows.rows.filter((r) => r.outcome === 'recorded').length,
      anomalies,
      lost: lost.map((id) => `${id} (${site.emitted.get(id)!.type} at gate ${site.emitted.get(id)!.gateId})`),
      appliedTwice: twice.rows[0]?.n ?? 0,
      unapplied: entryOrExit
        .filter((r) => r.outcome !== 'applied')
        .map((r) => `${r.type} ${r.event_id} (${r.anomaly})`),
      startedApplied: entryOrExit.filter((r) => r.type === 'Started' && r.outcome === 'applied').length,
      endedApplied: entryOrExit.filter((r) => r.type === 'Ended' && r.outcome === 'applied').length,
      maxDepth: site.maxDepth,
      maxUnwritten: site.maxUnwritten,
      writeFailures: [...site.writeFailures.values()].reduce((a, b) => a + b, 0),
    };
  } finally {
    await db.end();
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    say(USAGE);
    return 0;
  }
  const valued = new Set(['--only', '--pairs', '--members', '--hold']);
  const flags = new Set(['--quick', '--write']);
  for (let i = 0; i < argv.length; i++) {
    if (valued.has(argv[i]!) && argv[i + 1] !== undefined) i++;
    else if (!flags.has(argv[i]!)) {
      process.stderr.write(`unknown argument ${argv[i]}\n${USAGE}\n`);
      return 2;
    }
  }
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i < 0 ? undefined : argv[i + 1];
  };
  const count = (name: string, fallback: number, min: number, max: number) => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new RangeError(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
  const quick = argv.includes('--quick');
  const base = quick
    ? { pairs: 4, members: 40, holdMs: 4_000, recoverCapMs: 45_000, warmUpMs: 3_000 }
    : { pairs: 25, members: 500, holdMs: 15_000, recoverCapMs: 90_000, warmUpMs: 15_000 };
  const pairs = count('--pairs', base.pairs, 4, 100);
  const plan = {
    ...base,
    pairs,
    members: count('--members', base.members, pairs * 2, 10_000),
    holdMs: count('--hold', base.holdMs / 1000, 1, 600) * 1000,
  };
  const only = value('--only');
  const faults = only === undefined ? FAULTS : FAULTS.filter((f) => f.name.includes(only));
  const started = Date.now();
  say(
    `parkinglot fault suite${quick ? ' (quick pass)' : ''}: ${plan.pairs * 2} gates, ${plan.members} members, ` +
      `${faults.length} faults held ${plan.holdMs / 1000} s each`,
  );
  const site = new FaultSite({
    pairs: plan.pairs,
    members: plan.members,
    armTravelMs: 300,
    log: (l) => say(`  · ${l}`),
  });
  let traffic: Traffic | null = null;
  try {
    await site.start();
    traffic = new Traffic(site);
    traffic.start();
    say(`  · traffic on; ${plan.warmUpMs / 1000} s before the first fault`);
    await pause(plan.warmUpMs);
    const results: FaultResult[] = [];
    for (const fault of faults)
      results.push(await runFault(site, traffic, fault, plan, (l) => say(`  · ${l}`)));
    await traffic.stop();
    say('  · traffic off; waiting for every outbox to drain');
    for (let i = 0; i < 600 && !site.drained(); i++) await pause(100);
    const final = await verifySchedule(site.pg.url, quietLogger());
    const figures: RunFigures = {
      plan: { ...plan, quick, gates: plan.pairs * 2, durationMs: Date.now() - started },
      faults: results,
      traffic: traffic.stats,
      ...(await accounting(site)),
      drained: site.drained(),
      finalSchedule: final.differences,
    };
    const report = reliabilityReport(figures);
    say('');
    say(report.table);
    for (const line of report.problems) say(`PROBLEM: ${line}`);
    if (argv.includes('--write')) {
      const file = join(import.meta.dirname, '..', '..', '..', 'docs', 'reliability.md');
      writeFileSync(file, report.markdown);
      say(`written to ${file}`);
    }
    say(
      report.problems.length === 0
        ? 'nothing lost, nobody let in who should not be'
        : `${report.problems.length} problem(s)`,
    );
    return report.problems.length === 0 ? 0 : 1;
  } finally {
    await traffic?.stop();
    await site.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof RangeError) {
      process.stderr.write(`${error.message}\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`fault suite failed: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);

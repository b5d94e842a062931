/**
 * `npm run bench -- --database postgres [--instances 2]`: the embedded defaults against PostgreSQL +
 * Mosquitto with that many instances, in one run (suites/scale.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transactStats } from '@parkinglot/cloud';
import { startBenchCloud } from './lib/cloud.js';
import { f, lat, writeTable } from './report.js';
import { type ScaleResult, scaleBench } from './suites/scale.js';

export type Mode = 'smoke' | 'quick' | 'full';

const SCALE_PLANS = {
  smoke: { gates: 50, rate: 200, durationMs: 1000, httpMs: 1000, contenders: 100 },
  quick: { gates: 1000, rate: 2000, durationMs: 5000, httpMs: 4000, contenders: 1000 },
  full: { gates: 1000, rate: 2000, durationMs: 15_000, httpMs: 10_000, contenders: 1000 },
};

/** The scale-out comparison: the embedded defaults, then PostgreSQL + Mosquitto with `instances`. */
export async function compareScaleOut(options: {
  mode: Mode;
  instances: number;
  progress: (line: string) => void;
}): Promise<void> {
  const { mode, instances, progress } = options;
  const SCALE_PLAN = SCALE_PLANS[mode];
  const configs = [
    { name: 'sqlite + aedes, 1 instance', variant: undefined },
    {
      name: `PostgreSQL + Mosquitto, ${instances} instance${instances > 1 ? 's' : ''}`,
      variant: instances > 1 ? ('postgres-mosquitto' as const) : ('postgres' as const),
    },
  ];
  const rows: string[] = [];
  const failures: string[] = [];
  for (const config of configs) {
    progress(`${config.name}`);
    const bench = await startBenchCloud(config.variant);
    let r: ScaleResult;
    const retriedBefore = transactStats.retries;
    let retried = 0;
    try {
      r = await scaleBench(bench, SCALE_PLAN, progress);
      retried = transactStats.retries - retriedBefore;
    } finally {
      await bench.close();
    }
    const c = config.name;
    rows.push(
      `| ${c} | reserve + cancel (16 clients) | ${f(r.reserveCancel.perSecond)}/s | ${lat(r.reserveCancel.latency)} | ${r.reserveCancel.errors} errors; cloud CPU ≤ ${f(r.cpuMsPerOp, 2)} ms per op${r.commitsPerOp === null ? '' : `; ${f(r.commitsPerOp, 1)} transactions per op`} |`,
      `| ${c} | ${f(r.race.contenders)} members race for one space | ${f(r.race.won)} won, ${f(r.race.refused)} refused (409), ${f(r.race.errors)} other | ${f(r.race.ms)} ms in all | ${r.race.doubleBookings} double bookings; ${f(retried)} transactions run again over the three |`,
      `| ${c} | authorization, ${f(SCALE_PLAN.gates)} gates, offered ${f(SCALE_PLAN.rate)}/s | ${f(r.auth.throughput)}/s (${f(r.auth.answered)} of ${f(r.auth.sent)} answered) | ${lat(r.auth.latency)} | |`,
    );
    if (r.race.doubleBookings > 0) failures.push(`${c}: ${r.race.doubleBookings} double bookings`);
    if (r.reserveCancel.errors > 0) failures.push(`${c}: reserve + cancel had errors`);
  }
  const table = writeTable(
    `scale-out, ${mode}`,
    rows,
    '| configuration | measurement | result | latency ms p50 / p99 / p99.9 | notes |',
  );
  if (failures.length > 0) throw new Error(failures.join('; '));
  if (mode !== 'smoke') {
    const dir = join(import.meta.dirname, '..', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${new Date().toISOString().slice(0, 10)}-scale-${mode}.md`);
    writeFileSync(file, `${table}\n`);
    progress(`written to ${file}`);
  }
}

#!/usr/bin/env node
/**
 * `npm run bench [-- --quick | --smoke] [--gates 100,1000] [--outbox-events N] [--outbox-kind ended|denied] [--allow-rate N] [--only auth,http,operator,site,outbox,mixed]`: measures, in one run
 * on this machine, the transport's own request/response limit, entry authorization through the real
 * cloud (closed and open loop), the reservation API beside a trivial route, the edge outbox, the
 * cloud's memory with the gates connected, and allows under mixed load (suites/mixed.ts). Prints a table and writes it to results/<date>.md.
 *
 * `npm run bench -- --database postgres [--instances 2] [--quick | --smoke]` instead compares the
 * embedded defaults with PostgreSQL + Mosquitto and that many instances, in the same run
 * (suites/scale.ts): reserve + cancel, a race for one space, authorization at 1,000 gates.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBenchCloud } from './lib/cloud.js';
import { warmupFor } from './load/run-load.js';
import { f, lat, writeTable } from './report.js';
import { compareScaleOut } from './scale-run.js';
import { authorizationLoad, seedGates, seedReservations } from './suites/authorization.js';
import { echoLimit } from './suites/echo.js';
import { httpBench } from './suites/http.js';
import { mixedBench } from './suites/mixed.js';
import { operatorBench } from './suites/operator.js';
import { type OutboxKind, outboxBench } from './suites/outbox.js';
import { siteBench } from './suites/site.js';

const argv = process.argv.slice(2);
const arg = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const mode = argv.includes('--smoke') ? 'smoke' : argv.includes('--quick') ? 'quick' : 'full';
const PLAN = {
  smoke: {
    gates: [20],
    durationMs: 1000,
    outboxEvents: 200,
    httpMs: 1000,
    openRate: 200,
    allowRate: 100,
    mixedBacklog: 3000,
  },
  quick: {
    gates: [100, 1000],
    durationMs: 5000,
    outboxEvents: 2000,
    httpMs: 4000,
    openRate: 2000,
    allowRate: 500,
    mixedBacklog: 30_000,
  },
  full: {
    gates: [100, 1000, 10_000],
    durationMs: 15_000,
    outboxEvents: 100_000,
    httpMs: 10_000,
    openRate: 2000,
    allowRate: 500,
    mixedBacklog: 80_000,
  },
}[mode];
/** Allows per second in the mixed load: a busy site's rate, not the cloud's limit. */
const MIXED_ALLOW_RATE = 100;
const gateCounts = arg('--gates')?.split(',').map(Number) ?? PLAN.gates;
const outboxEvents = Number(arg('--outbox-events') ?? PLAN.outboxEvents);
const outboxKind = (arg('--outbox-kind') ?? 'ended') as OutboxKind;
const allowRate = Number(arg('--allow-rate') ?? PLAN.allowRate);
if (outboxKind !== 'ended' && outboxKind !== 'denied') {
  process.stderr.write(`bench: --outbox-kind is ended or denied, not '${outboxKind}'\n`);
  process.exit(2);
}
const SUITES = ['auth', 'http', 'operator', 'site', 'outbox', 'mixed'] as const;
const only = arg('--only')?.split(',') ?? [...SUITES];
const unknownSuite = only.find((s) => !(SUITES as readonly string[]).includes(s));
if (unknownSuite) {
  process.stderr.write(`bench: unknown suite '${unknownSuite}' in --only (known: ${SUITES.join(', ')})\n`);
  process.exit(2);
}
const runs = (suite: (typeof SUITES)[number]) => only.includes(suite);

const progress = (line: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

const database = arg('--database');
const instances = Number(arg('--instances') ?? 2);
if (database !== undefined && database !== 'postgres' && database !== 'sqlite') {
  process.stderr.write(`bench: --database is postgres or sqlite, not '${database}'\n`);
  process.exit(2);
}
if (!Number.isInteger(instances) || instances < 1 || instances > 2) {
  process.stderr.write('bench: --instances is 1 or 2\n');
  process.exit(2);
}
async function main(): Promise<void> {
  if (database === 'postgres') return compareScaleOut({ mode, instances, progress });
  const rows: string[] = [];
  const failures: string[] = [];
  const row = (...cells: string[]) => rows.push(`| ${cells.join(' | ')} |`);
  progress(
    `mode ${mode}: gates ${gateCounts.join(', ')}, ${PLAN.durationMs} ms per load, ${outboxEvents} outbox events`,
  );

  const bench = await startBenchCloud();
  try {
    const seeded: { id: string; password: string }[] = [];
    const facility = (await bench.call('POST', '/api/facilities', { name: 'Bench' })).body.id as string;
    const gatesUpTo = async (n: number) => {
      if (seeded.length < n) {
        progress(`registering gates up to ${n}`);
        seeded.push(
          ...(await seedGates(bench, facility, n - seeded.length, (d) =>
            progress(`  ${seeded.length + d} gates registered`),
          )),
        );
      }
      return seeded.slice(0, n);
    };
    await bench.call('POST', '/api/members', { name: 'Bench member', plates: ['BENCH1'] });
    // The peak RSS of this process (which hosts the cloud; the gates are another process) during the loads.
    let peakRss = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 100);
    for (const n of runs('auth') ? gateCounts : []) {
      progress(`echo limit with ${n} gates`);
      const echo = await echoLimit(n, PLAN.durationMs);
      row(
        `MQTT request/response, trivial responder (the limit)`,
        f(n),
        'closed',
        f(echo.throughput),
        lat(echo.latency),
        '1.00',
      );

      const gates = await gatesUpTo(n);
      peakRss = 0;
      progress(`authorization, closed loop, ${n} gates`);
      const closed = await authorizationLoad(bench, gates, 'closed', PLAN.durationMs);
      const decisions = Object.keys(closed.decisions).join(', ');
      row(
        `Entry authorization via the cloud (${decisions})`,
        f(n),
        'closed',
        f(closed.throughput),
        lat(closed.latency),
        f(closed.throughput / echo.throughput, 2),
      );
      progress(`authorization, open loop at ${PLAN.openRate}/s, ${n} gates`);
      const open = await authorizationLoad(bench, gates, 'open', PLAN.durationMs, { rate: PLAN.openRate });
      // Answered well below what was sent: saturated, and its latency only says how long the run was.
      const saturated = open.answered < open.sent * 0.99;
      row(
        `Entry authorization via the cloud, offered ${f(PLAN.openRate)}/s${saturated ? ` (saturated: ${f(open.sent - open.answered)} of ${f(open.sent)} unanswered)` : ''}`,
        f(n),
        'open',
        f(open.throughput),
        lat(open.latency),
        '',
      );
      if (n === Math.max(...gateCounts)) {
        const mib = (bytes: number) => f(bytes / 2 ** 20);
        row(
          `RSS of the process hosting the cloud during the ${f(n)}-gate loads: peak (MiB)`,
          f(n),
          '',
          mib(peakRss),
          '',
          '',
        );
        row(`… and after them (MiB)`, f(n), '', mib(process.memoryUsage().rss), '', '');
      }
    }
    clearInterval(sampler);

    if (runs('auth')) {
      // Each request claims a reservation of its own; a request beyond them would be a deny (counted).
      const gates = seeded.slice(0, 100);
      const count = Math.ceil((allowRate * (PLAN.durationMs + warmupFor(PLAN.durationMs)) * 1.1) / 1000);
      progress(`seeding ${count} members with a reservation each`);
      const plates = await seedReservations(bench, facility, count, (d) =>
        progress(`  ${d} reservations made`),
      );
      progress(`authorization, allows, open loop at ${allowRate}/s, ${gates.length} gates`);
      const allows = await authorizationLoad(bench, gates, 'open', PLAN.durationMs, {
        rate: allowRate,
        plates,
      });
      const allowed = allows.decisions['allow:reservation_active'] ?? 0;
      row(
        `Entry authorization via the cloud, allows (${Object.entries(allows.decisions)
          .map(([d, k]) => `${d} ${f(k)}`)
          .join(', ')}), offered ${f(allowRate)}/s`,
        f(gates.length),
        'open',
        f(allows.throughput),
        lat(allows.latency),
        '',
      );
      if (allowed < allows.answered) failures.push('the allow load was not all allowed');
    }

    if (runs('http')) {
      progress(`reservation API, ${PLAN.httpMs} ms per case`);
      const http = await httpBench(bench, 16, PLAN.httpMs);
      const cases = [
        ['HTTP GET /healthz (the framework, same server)', http.healthz],
        ['HTTP reserve + cancel (one op = both)', http.reserveCancel],
        ['HTTP GET /api/schedule', http.schedule],
      ] as const;
      for (const [label, result] of cases) {
        row(
          label,
          '16 clients',
          'closed',
          f(result.perSecond),
          lat(result.latency),
          f(result.perSecond / http.healthz.perSecond, 2),
        );
      }
    }
    if (runs('operator')) {
      const rounds = mode === 'smoke' ? 20 : 200;
      progress(`operator tools: ${rounds} commands, ${rounds} reservations seen on the stream, scrapes`);
      const [gate] = await gatesUpTo(1);
      const op = await operatorBench(bench, { facilityId: facility, gate: gate!, rounds });
      row(
        'Gate command over HTTP, audited (recorded, sent, answered, recorded)',
        '1 gate',
        'closed',
        '',
        lat(op.command),
        '',
      );
      row(
        'Reservation over HTTP until its event on GET /api/stream (the live view)',
        '1 stream',
        'closed',
        '',
        lat(op.stream),
        '',
      );
      row(
        `GET /metrics (${f(op.scrapeBytes / 1024)} KiB)`,
        `${f(seeded.length)} gates`,
        'closed',
        '',
        lat(op.scrape),
        '',
      );
    }
    if (runs('site')) {
      const sitePlan = {
        smoke: { pairs: 2, durationMs: 3_000, armTravelMs: 200 },
        quick: { pairs: 25, durationMs: 20_000, armTravelMs: 300 },
        full: { pairs: 25, durationMs: 60_000, armTravelMs: 300 },
      }[mode];
      const site = await siteBench(bench, sitePlan, progress);
      const histogram = site.histogram
        .filter(([, n]) => n > 0)
        .map(([b, n]) => `${Number.isFinite(b) ? `≤ ${b} ms` : '> 100 ms'}: ${f(n)}`)
        .join(', ');
      row(
        `What a driver waits at the entry, read or confirmed arrival (later) to barrier command, a site of ${site.gates} gates in traffic, ${f(site.cars)} cars (target p99 ≤ 10 ms; ${histogram})`,
        `${site.gates} gates`,
        'closed',
        '',
        lat(site.wait),
        '',
      );
      if (site.refused > 0) failures.push(`site: ${site.refused} reserved cars were not let in`);
    }
    if (runs('outbox')) {
      progress(`edge outbox: ${outboxEvents} ${outboxKind} events`);
      const outbox = await outboxBench(bench, outboxEvents, outboxKind, progress);
      row(
        'Edge outbox durable append (synchronous=FULL)',
        f(outbox.events),
        '',
        f(outbox.appendPerSecond),
        '',
        '',
      );
      row(
        `Edge outbox drain to the cloud, ${outboxKind === 'ended' ? 'Ended: cars that left during an outage' : 'Denied'} (${outbox.noneLost ? 'none lost, each applied once' : 'EVENTS MISSING'})`,
        f(outbox.events),
        '',
        f(outbox.drainPerSecond),
        '',
        '',
      );
      if (!outbox.noneLost) failures.push('the outbox drain lost events');
    }
    if (runs('mixed')) {
      const mixed = await mixedBench(
        bench,
        {
          gates: await gatesUpTo(100),
          facilityId: facility,
          allowRate: MIXED_ALLOW_RATE,
          durationMs: PLAN.durationMs,
          backlog: PLAN.mixedBacklog,
          httpClients: 16,
          scheduleClients: 4,
        },
        progress,
      );
      const { allows } = mixed;
      const allowed = allows.decisions['allow:reservation_active'] ?? 0;
      const decided = Object.entries(allows.decisions).map(([d, k]) => `${d} ${f(k)}`);
      row(
        `Allows offered at ${f(MIXED_ALLOW_RATE)}/s under mixed load (${decided.join(', ')}; target p99 ≤ 50 ms)`,
        f(100),
        'open',
        f(allows.throughput),
        lat(allows.latency),
        '',
      );
      const beside = [
        ['reserve + cancel', '16 clients', mixed.reserveCancel],
        ['GET /api/schedule', '4 clients', mixed.schedule],
      ] as const;
      for (const [label, clients, result] of beside) {
        row(`… meanwhile, ${label}`, clients, 'closed', f(result.perSecond), lat(result.latency), '');
      }
      row(
        `… meanwhile, outbox drain of Ended (${mixed.noneLost ? 'none lost, each applied once' : 'EVENTS MISSING'}${mixed.drainCovered ? '' : '; ended before the window did'})`,
        f(PLAN.mixedBacklog),
        '',
        f(mixed.drainPerSecond),
        '',
        '',
      );
      row(
        `… and the schedule's projector, events behind at the window's end`,
        '',
        '',
        f(mixed.projectorLag),
        '',
        '',
      );
      if (allowed < allows.answered) failures.push('the mixed load had allows denied');
      if (!mixed.noneLost) failures.push('the mixed load lost outbox events');
    }
  } finally {
    await bench.close();
  }

  const table = writeTable(
    mode,
    rows,
    '| measurement | gates / events | loop | per second | latency ms p50 / p99 / p99.9 | ratio |',
  );
  if (failures.length > 0) throw new Error(failures.join('; '));
  if (mode !== 'smoke') {
    const dir = join(import.meta.dirname, '..', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${new Date().toISOString().slice(0, 10)}-${mode}.md`);
    writeFileSync(file, `${table}\n`);
    progress(`written to ${file}`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error)?.stack ?? error}\n`);
    process.exit(1);
  },
);

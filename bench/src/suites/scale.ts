/**
 * The scale-out comparison (`--database postgres --instances 2`): the same three measurements on
 * the embedded defaults and on PostgreSQL + Mosquitto with several instances, in one run:
 * - reserve + cancel by 16 members, spread over the instances' HTTP APIs;
 * - a race: C members reserve one space at once, spread over the instances; exactly one may win;
 * - entry authorization from N gates, open loop at a fixed rate, through the configuration's broker.
 */
import { sql } from 'kysely';
import { Agent, request } from 'undici';
import type { BenchCloud } from '../lib/cloud.js';
import type { LoadResult } from '../load/gates.js';
import type { HttpCaseResult } from '../load/http.js';
import { authorizationLoad, seedGates } from './authorization.js';
import { httpBench } from './http.js';

export interface RaceResult {
  contenders: number;
  won: number;
  refused: number;
  errors: number;
  /** Live reservations of the space afterwards, read from the database. */
  live: number;
  /** Reservations beyond one: winners beyond the first, and live rows beyond one. */
  doubleBookings: number;
  ms: number;
}

export interface ScaleResult {
  reserveCancel: HttpCaseResult;
  /** CPU of this process (the cloud's instances; the load is another process) per reserve + cancel. */
  cpuMsPerOp: number;
  /**
   * PostgreSQL only: transactions per reserve + cancel (pg_stat_database, where a statement outside
   * a transaction counts as one), the cloud's own work included.
   */
  commitsPerOp: number | null;
  race: RaceResult;
  auth: LoadResult;
}

export async function raceForOneSpace(
  bench: BenchCloud,
  contenders: number,
  progress: (line: string) => void,
) {
  const facility = (await bench.call('POST', '/api/facilities', { name: 'Race' })).body.id as string;
  const space = (
    await bench.call('POST', `/api/facilities/${facility}/spaces`, { label: 'THE-ONE', floor: 1 })
  ).body.id as string;
  const members: { token: string; plate: string }[] = [];
  for (let i = 0; i < contenders; i++) {
    const plate = `RACE${i}`;
    const m = await bench.call('POST', '/api/members', { name: `Racer ${i}`, plates: [plate] });
    members.push({ token: m.body.token, plate });
    if ((i + 1) % 250 === 0) progress(`  ${i + 1} racers registered`);
  }
  const dispatcher = new Agent({ connections: 512, keepAliveTimeout: 30_000 });
  const t0 = performance.now();
  const statuses = await Promise.all(
    members.map(async ({ token, plate }, i) => {
      const url = bench.httpUrls[i % bench.httpUrls.length]!;
      try {
        const res = await request(`${url}/api/reservations`, {
          method: 'POST',
          dispatcher,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ spaceId: space, plate }),
        });
        await res.body.text();
        return res.statusCode;
      } catch {
        return 0;
      }
    }),
  );
  const ms = performance.now() - t0;
  await dispatcher.close();
  const live = await bench.cloud.ctx.db
    .selectFrom('reservations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('space_id', '=', space)
    .where('status', 'in', ['reserved', 'in_use'])
    .executeTakeFirstOrThrow();
  const won = statuses.filter((s) => s === 201).length;
  const refused = statuses.filter((s) => s === 409).length;
  const liveCount = Number(live.n);
  return {
    contenders,
    won,
    refused,
    errors: contenders - won - refused,
    live: liveCount,
    doubleBookings: Math.max(0, won - 1) + Math.max(0, liveCount - 1),
    ms,
  } satisfies RaceResult;
}

export async function scaleBench(
  bench: BenchCloud,
  plan: { gates: number; rate: number; durationMs: number; httpMs: number; contenders: number },
  progress: (line: string) => void,
): Promise<ScaleResult> {
  progress(`  reserve + cancel, 16 clients over ${bench.httpUrls.length} instance(s)`);
  const commitsBefore = await commits(bench);
  const cpuBefore = process.cpuUsage();
  const http = await httpBench(bench, 16, plan.httpMs, ['reserveCancel'], 'SC');
  const cpu = process.cpuUsage(cpuBefore);
  const commitsAfter = await commits(bench);
  // The whole run (warm-up and the members' seeding included) over the operations measured: an upper bound.
  const ops = Math.max(1, http.reserveCancel.ops);
  const cpuMsPerOp = (cpu.user + cpu.system) / 1000 / ops;
  const commitsPerOp =
    commitsBefore === null || commitsAfter === null ? null : (commitsAfter - commitsBefore) / ops;
  progress(`  ${plan.contenders} members racing for one space`);
  const race = await raceForOneSpace(bench, plan.contenders, progress);
  const facility = (await bench.call('POST', '/api/facilities', { name: 'Scale gates' })).body.id as string;
  progress(`  registering ${plan.gates} gates`);
  const gates = await seedGates(bench, facility, plan.gates, (d) => progress(`  ${d} gates registered`));
  await bench.call('POST', '/api/members', { name: 'Scale member', plates: ['SCALE1'] });
  progress(`  authorization, open loop at ${plan.rate}/s, ${plan.gates} gates`);
  const auth = await authorizationLoad(bench, gates, 'open', plan.durationMs, {
    rate: plan.rate,
    plates: ['SCALE1'],
  });
  return { reserveCancel: http.reserveCancel, cpuMsPerOp, commitsPerOp, race, auth };
}

/** Transactions committed in this database so far (PostgreSQL's statistics), or null on sqlite. */
async function commits(bench: BenchCloud): Promise<number | null> {
  if (bench.cloud.dialect !== 'postgres') return null;
  // The statistics collector reports with a delay of up to its interval; clear this snapshot.
  await sql`select pg_stat_clear_snapshot()`.execute(bench.cloud.ctx.db);
  const { rows } = await sql<{ n: number }>`select xact_commit::float8 as n from pg_stat_database
    where datname = current_database()`.execute(bench.cloud.ctx.db);
  return Number(rows[0]?.n ?? 0);
}

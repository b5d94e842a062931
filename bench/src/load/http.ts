/**
 * The HTTP load generator (a process of its own): C workers over keep-alive connections, each
 * repeating one operation for the duration. Cases: `GET /healthz` (the framework's own cost),
 * reserve + cancel by one member per worker (the space is free again after each round), and
 * schedule reads. Prints one JSON line with a result per case.
 */
import { Agent, request } from 'undici';
import { Latency, type LatencySummary } from '../lib/histogram.js';
import { serveChild } from './child.js';

export type HttpCase = 'healthz' | 'reserveCancel' | 'schedule';

export interface HttpSpec {
  url: string;
  /** Several instances: worker i talks to urls[i % n] (default: `url` alone). */
  urls?: string[];
  operatorToken: string;
  facilityId: string;
  members: { token: string; plate: string; spaceId: string }[];
  cases: HttpCase[];
  durationMs: number;
  warmupMs: number;
  /**
   * Run the cases at once instead of one after the other (the mixed load); `schedule` then has this
   * many workers of its own beside one reserve + cancel worker per member.
   */
  together?: { scheduleWorkers: number };
}

export interface HttpCaseResult {
  ops: number;
  perSecond: number;
  latency: LatencySummary;
  errors: number;
  firstError?: string;
}

const dispatcher = new Agent({ connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });

async function call(url: string, method: 'GET' | 'POST', token: string, body?: unknown) {
  const res = await request(url, {
    method,
    dispatcher,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, text };
}

async function closedLoop(
  spec: HttpSpec,
  op: (worker: number) => Promise<string | null>,
  workerCount = spec.members.length,
): Promise<HttpCaseResult> {
  const latency = new Latency();
  let ops = 0;
  let errors = 0;
  let firstError: string | undefined;
  let measuring = false;
  let running = true;
  const workers = Promise.all(
    Array.from({ length: workerCount }, async (_, worker) => {
      while (running) {
        const t = performance.now();
        const error = await op(worker).catch((e: Error) => e.message);
        if (!measuring) continue;
        latency.record(performance.now() - t);
        if (error === null) ops += 1;
        else {
          errors += 1;
          firstError ??= error;
        }
      }
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, spec.warmupMs));
  measuring = true;
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, spec.durationMs));
  measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  running = false;
  await workers;
  return {
    ops,
    perSecond: ops / elapsed,
    latency: latency.summary(),
    errors,
    ...(firstError ? { firstError } : {}),
  };
}

const expect = (res: { status: number; text: string }, status: number) =>
  res.status === status ? null : `HTTP ${res.status}: ${res.text.slice(0, 200)}`;

const urlOf = (spec: HttpSpec, worker: number) =>
  spec.urls ? spec.urls[worker % spec.urls.length]! : spec.url;

function operation(spec: HttpSpec, name: HttpCase): (worker: number) => Promise<string | null> {
  if (name === 'healthz') {
    return async (worker) =>
      expect(await call(`${urlOf(spec, worker)}/healthz`, 'GET', spec.operatorToken), 200);
  }
  if (name === 'reserveCancel') {
    return async (worker) => {
      const m = spec.members[worker]!;
      const url = urlOf(spec, worker);
      const made = await call(`${url}/api/reservations`, 'POST', m.token, {
        spaceId: m.spaceId,
        plate: m.plate,
      });
      if (made.status !== 201) return expect(made, 201);
      const { id } = JSON.parse(made.text) as { id: string };
      return expect(await call(`${url}/api/reservations/${id}/cancel`, 'POST', m.token), 200);
    };
  }
  return async (worker) =>
    expect(
      await call(
        `${urlOf(spec, worker)}/api/schedule?facilityId=${spec.facilityId}`,
        'GET',
        spec.operatorToken,
      ),
      200,
    );
}

async function run(spec: HttpSpec): Promise<Partial<Record<HttpCase, HttpCaseResult>>> {
  const results: Partial<Record<HttpCase, HttpCaseResult>> = {};
  if (spec.together) {
    const { scheduleWorkers } = spec.together;
    const done = await Promise.all(
      spec.cases.map((name) =>
        closedLoop(spec, operation(spec, name), name === 'schedule' ? scheduleWorkers : undefined),
      ),
    );
    spec.cases.forEach((name, i) => {
      results[name] = done[i];
    });
  } else {
    for (const name of spec.cases) results[name] = await closedLoop(spec, operation(spec, name));
  }
  await dispatcher.close();
  return results;
}

serveChild(run);

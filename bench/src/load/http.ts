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
  operatorToken: string;
  facilityId: string;
  members: { token: string; plate: string; spaceId: string }[];
  cases: HttpCase[];
  durationMs: number;
  warmupMs: number;
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
): Promise<HttpCaseResult> {
  const latency = new Latency();
  let ops = 0;
  let errors = 0;
  let firstError: string | undefined;
  let measuring = false;
  let running = true;
  const workers = Promise.all(
    spec.members.map(async (_, worker) => {
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

async function run(spec: HttpSpec): Promise<Partial<Record<HttpCase, HttpCaseResult>>> {
  const results: Partial<Record<HttpCase, HttpCaseResult>> = {};
  for (const name of spec.cases) {
    if (name === 'healthz') {
      results.healthz = await closedLoop(spec, async () =>
        expect(await call(`${spec.url}/healthz`, 'GET', spec.operatorToken), 200),
      );
    } else if (name === 'reserveCancel') {
      results.reserveCancel = await closedLoop(spec, async (worker) => {
        const m = spec.members[worker]!;
        const made = await call(`${spec.url}/api/reservations`, 'POST', m.token, {
          spaceId: m.spaceId,
          plate: m.plate,
        });
        if (made.status !== 201) return expect(made, 201);
        const { id } = JSON.parse(made.text) as { id: string };
        return expect(await call(`${spec.url}/api/reservations/${id}/cancel`, 'POST', m.token), 200);
      });
    } else {
      results.schedule = await closedLoop(spec, async () =>
        expect(
          await call(`${spec.url}/api/schedule?facilityId=${spec.facilityId}`, 'GET', spec.operatorToken),
          200,
        ),
      );
    }
  }
  await dispatcher.close();
  return results;
}

serveChild(run);

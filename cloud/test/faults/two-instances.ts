/**
 * Two cloud instances as real processes on PostgreSQL and a private Mosquitto, and gate traffic
 * through them while something happens to the first: the harness of the instance faults.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@parkinglot/platform/net';
import pg from 'pg';
import { expect } from 'vitest';
import {
  Api,
  type CloudProcess,
  createTestDatabase,
  event,
  eventually,
  startCloudProcess,
  startTestMosquitto,
  type TestDatabase,
  TestGate,
  type TestMosquitto,
} from '../../src/testing/index.js';

/** The agent's default answer timeout: a request not answered within it is a deny at the gate. */
export const GATE_TIMEOUT_MS = 800;
const CARS = 32;

export type Answer = 'allow' | 'deny' | 'timeout';

export interface Outcome {
  plate: string;
  answers: Answer[];
  reasons: string[];
  /** Driven after the fault began. */
  afterFault: boolean;
}

export interface TwoInstances {
  a: CloudProcess;
  b: CloudProcess;
  database: TestDatabase;
  broker: TestMosquitto;
  /** The operator token both instances are configured with. */
  token: string;
  close(): Promise<void>;
}

export async function startTwoInstances(envA: Record<string, string> = {}): Promise<TwoInstances> {
  const database = await createTestDatabase();
  const broker = await startTestMosquitto();
  const dirs: string[] = [];
  const token = randomBytes(18).toString('hex');
  const start = async (env: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'parkinglot-instance-'));
    dirs.push(dir);
    return startCloudProcess({
      PARKING_DATABASE_URL: database.url,
      PARKING_MQTT_URL: broker.adminUrl,
      PARKING_HTTP_HOST: '127.0.0.1',
      PARKING_HTTP_PORT: String(await freePort()),
      PARKING_DATA_DIR: dir,
      PARKING_OPERATOR_TOKEN: token,
      ...env,
    });
  };
  const a = await start(envA);
  const b = await start({});
  return {
    a,
    b,
    database,
    token,
    broker,
    async close() {
      await a.kill('SIGKILL');
      await b.kill('SIGKILL');
      await broker.close();
      await database.drop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Gates ask for reserved cars (a timed-out driver presents the plate up to three times) and for a
 * stranger after each, report each allowed car's Started until it is acked, and `fault` runs once
 * `faultAfter` cars are through, while the other gates' requests and events are in flight.
 */
export async function driveThrough(
  env: TwoInstances,
  options: { faultAfter: number; fault: () => Promise<void> },
): Promise<{
  outcomes: Outcome[];
  started: string[];
  strangers: Answer[];
  apiB: Api;
  facilityId: string;
  lastSpace: string;
}> {
  const { token, broker } = env;
  const apiA = new Api(env.a.httpUrl, token);
  const apiB = new Api(env.b.httpUrl, token);
  const site = await apiA.seedFacility(Array.from({ length: CARS + 1 }, (_, i) => `K-${i + 1}`));
  const extra = [];
  for (let i = 0; i < 3; i++) {
    extra.push(
      await apiA.expect(201, 'POST', `/api/facilities/${site.facility.id}/gates`, {
        name: `Entry ${i + 2}`,
        direction: 'entry',
      }),
    );
  }
  const mqttUrl = `mqtt://127.0.0.1:${broker.port}`;
  const gates = await Promise.all(
    [site.entry, ...extra].map((g) => TestGate.connect(mqttUrl, g.mqtt.username, g.mqtt.password)),
  );
  const cars: { plate: string; reservationId: string }[] = [];
  for (let i = 0; i < CARS; i++) {
    const plate = `${10 + i}가${5000 + i}`;
    const member = await apiA.member(`Car ${i}`, [plate]);
    const reservation = await apiA.reserve(member.token, site.spaces[i]!.id, plate);
    cars.push({ plate, reservationId: reservation.id as string });
  }

  const ask = async (gate: TestGate, value: string): Promise<{ answer: Answer; reason?: string }> => {
    try {
      const response = await gate.authorize({ kind: 'plate', value }, GATE_TIMEOUT_MS);
      return response.decision === 'allow'
        ? { answer: 'allow' }
        : { answer: 'deny', reason: (response as { reason: string }).reason };
    } catch {
      return { answer: 'timeout' };
    }
  };
  /** As an outbox sends: the same batch again until it is acked. */
  const report = async (gate: TestGate, payload: ReturnType<typeof event>) => {
    for (let attempt = 0; attempt < 40; attempt++) {
      const ack = await gate.sendEvents({ events: [payload] }, payload.eventId, 1_000).catch(() => null);
      if (ack) return;
    }
    throw new Error(`event ${payload.eventId} was never acked`);
  };

  const outcomes: Outcome[] = [];
  const started: string[] = [];
  const strangers: Answer[] = [];
  let done = 0;
  let fault: Promise<void> | null = null;
  const drive = async (gate: TestGate, car: (typeof cars)[number]) => {
    const record: Outcome = { plate: car.plate, answers: [], reasons: [], afterFault: fault !== null };
    outcomes.push(record);
    for (let attempt = 0; attempt < 3; attempt++) {
      const { answer, reason } = await ask(gate, car.plate);
      record.answers.push(answer);
      if (reason) record.reasons.push(reason);
      if (answer === 'allow') {
        const payload = event(
          'Started',
          { kind: 'plate', value: car.plate },
          { reservationId: car.reservationId },
        );
        await report(gate, payload);
        started.push(payload.eventId);
        break;
      }
      if (answer === 'deny') break;
    }
    strangers.push((await ask(gate, `ZZ${done}X${done}`)).answer);
    if (++done === options.faultAfter) fault = options.fault();
  };
  // Each gate its own stream of cars, all at once.
  await Promise.all(
    gates.map(async (gate, g) => {
      for (let i = g; i < cars.length; i += gates.length) await drive(gate, cars[i]!);
    }),
  );
  await fault;
  await Promise.all(gates.map((g) => g.close()));
  return {
    outcomes,
    started,
    strangers,
    apiB,
    facilityId: site.facility.id,
    lastSpace: site.spaces[CARS]!.id,
  };
}

/** Never a wrong allow: no stranger got in, and no car was allowed twice. */
export function expectNoWrongAllow(run: { outcomes: Outcome[]; strangers: Answer[] }): void {
  expect(run.strangers.filter((answer) => answer === 'allow')).toEqual([]);
  for (const o of run.outcomes)
    expect(o.answers.filter((answer) => answer === 'allow').length).toBeLessThanOrEqual(1);
}

/** Every Started was applied once: one gate_events row and one open session per car let in. */
export async function expectAppliedOnce(env: TwoInstances, started: string[]): Promise<void> {
  const db = new pg.Client({ connectionString: env.database.url });
  await db.connect();
  try {
    const events = await db.query('select event_id, outcome from gate_events where event_id = any($1)', [
      started,
    ]);
    expect(events.rows.map((r) => r.outcome)).toEqual(started.map(() => 'applied'));
    const sessions = await db.query(
      "select reservation_id, count(*)::int as n from parking_sessions where status = 'open' group by reservation_id",
    );
    expect(sessions.rows.every((r) => r.n === 1)).toBe(true);
    expect(sessions.rows).toHaveLength(started.length);
  } finally {
    await db.end();
  }
}

/** The once-only work runs on the survivor: it projects a reservation made now. */
export async function expectSurvivorLeads(run: {
  apiB: Api;
  facilityId: string;
  lastSpace: string;
}): Promise<void> {
  const plate = '99하0001';
  const member = await run.apiB.member('After the fault', [plate]);
  await run.apiB.reserve(member.token, run.lastSpace, plate);
  // The survivor asks for the lease every 2 s; the wait itself is bounded by the test's timeout.
  await eventually(async () => {
    const schedule = await run.apiB.expect(200, 'GET', `/api/schedule?facilityId=${run.facilityId}`);
    return schedule.spaces.find((s: { id: string }) => s.id === run.lastSpace)?.status === 'reserved';
  }, 100);
}

/**
 * kill -9 of one of two cloud instances (real processes on PostgreSQL and Mosquitto) while gates
 * ask and report: every request is answered by the survivor or denied by the gate's own timeout,
 * never a wrong allow; every event is applied once; the leader's work resumes on the survivor.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@parkinglot/platform/net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
const GATE_TIMEOUT_MS = 800;
const CARS = 32;
const KILL_AFTER = 12;

type Answer = 'allow' | 'deny' | 'timeout';

describe('kill -9 of one of two instances under gate traffic', () => {
  let database: TestDatabase;
  let broker: TestMosquitto;
  const dirs: string[] = [];
  let a: CloudProcess;
  let b: CloudProcess;
  const token = randomBytes(18).toString('hex');

  const start = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parkinglot-kill-'));
    dirs.push(dir);
    return startCloudProcess({
      PARKING_DATABASE_URL: database.url,
      PARKING_MQTT_URL: broker.adminUrl,
      PARKING_HTTP_HOST: '127.0.0.1',
      PARKING_HTTP_PORT: String(await freePort()),
      PARKING_DATA_DIR: dir,
      PARKING_OPERATOR_TOKEN: token,
    });
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    broker = await startTestMosquitto();
    a = await start();
    b = await start();
  }, 60_000);
  afterAll(async () => {
    await a?.kill('SIGKILL');
    await b?.kill('SIGKILL');
    await broker?.close();
    await database?.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('answers through the survivor or times out, never a wrong allow, loses and repeats no event', async () => {
    const apiA = new Api(a.httpUrl, token);
    const apiB = new Api(b.httpUrl, token);
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
      const member = await apiA.member(`Kill ${i}`, [plate]);
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

    const outcomes: { plate: string; answers: Answer[]; reasons: string[]; afterKill: boolean }[] = [];
    const started: string[] = [];
    const strangers: Answer[] = [];
    let done = 0;
    let killed: Promise<void> | null = null;
    const drive = async (gate: TestGate, car: (typeof cars)[number]) => {
      const record = {
        plate: car.plate,
        answers: [] as Answer[],
        reasons: [] as string[],
        afterKill: killed !== null,
      };
      outcomes.push(record);
      // A driver whose gate timed out presents the plate again, up to three times.
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
      // The leader dies while the other gates' requests and events are in flight.
      if (++done === KILL_AFTER) killed = a.kill('SIGKILL');
    };
    // Each gate its own stream of cars, all at once.
    await Promise.all(
      gates.map(async (gate, g) => {
        for (let i = g; i < cars.length; i += gates.length) await drive(gate, cars[i]!);
      }),
    );
    await killed;

    // Never a wrong allow: no stranger got in, and every allow was a reserved car's first.
    expect(strangers.filter((answer) => answer === 'allow')).toEqual([]);
    for (const o of outcomes)
      expect(o.answers.filter((answer) => answer === 'allow').length).toBeLessThanOrEqual(1);
    // Every car got in, but those whose allow the killed instance committed and could not send:
    // their reservation waits for a Started that never comes (admission_pending, fail closed).
    for (const o of outcomes) {
      if (!o.answers.includes('allow')) expect(o.reasons.every((r) => r === 'admission_pending')).toBe(true);
    }
    expect(outcomes.filter((o) => o.afterKill && o.answers.includes('allow')).length).toBeGreaterThan(0);

    // Every Started was applied once: one gate_events row and one open session per car let in.
    const db = new pg.Client({ connectionString: database.url });
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

    // The once-only work resumed on the survivor: it projects a reservation made now.
    const plate = '99하0001';
    const member = await apiB.member('After the kill', [plate]);
    const last = site.spaces[CARS]!;
    await apiB.reserve(member.token, last.id, plate);
    // The survivor asks for the lease every 2 s and the server ends a killed leader's session at
    // once, so this takes one or two of those checks; the wait itself is bounded by the test's timeout.
    await eventually(async () => {
      const schedule = await apiB.expect(200, 'GET', `/api/schedule?facilityId=${site.facility.id}`);
      return schedule.spaces.find((s: { id: string }) => s.id === last.id)?.status === 'reserved';
    }, 100);
    await Promise.all(gates.map((g) => g.close()));
  }, 120_000);
});

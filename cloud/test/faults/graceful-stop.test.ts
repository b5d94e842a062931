/**
 * A stop (what SIGTERM runs) while requests are in flight: the entry the cloud is committing is
 * committed and answered, the events it is applying are applied and acked, and only then does it
 * go down. Deterministic: a second connection to the sqlite file holds the write lock, so the
 * requests stay in flight until the test lets them go.
 */
import { join } from 'node:path';
import { Sqlite3Dialect } from '@parkinglot/platform/sqlite';
import { Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../src/testing/eventually.js';
import { event } from '../../src/testing/gate.js';
import { startSite, type TestSite } from '../../src/testing/site.js';

describe('stop with requests in flight', () => {
  let env: TestSite;

  beforeAll(async () => {
    env = await startSite(['S-1', 'S-2'], {}, { sqlite: true });
  });
  afterAll(async () => env?.close());

  it('answers the allow it is committing and acks the events it is applying, then stops', async () => {
    const { t, site, entry } = env;
    const inside = await t.api.member('Inside', ['11가1111']);
    const insideReservation = await t.api.reserve(inside.token, site.spaces[0].id, '11가1111');
    expect(await entry.authorize({ kind: 'plate', value: '11가1111' })).toMatchObject({ decision: 'allow' });
    const arriving = await t.api.member('Arriving', ['22나2222']);
    const arrivingReservation = await t.api.reserve(arriving.token, site.spaces[1].id, '22나2222');

    // Another writer holds the file: the cloud's commits wait for it (within its busy timeout).
    const locker = new Kysely<unknown>({
      dialect: new Sqlite3Dialect({ filename: join(t.dataDir, 'parkinglot.sqlite') }),
    });
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const lock = locker.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      locked();
      await held;
    });
    await lockTaken;

    const started = event(
      'Started',
      { kind: 'plate', value: '11가1111' },
      { reservationId: insideReservation.id },
    );
    const answer = entry.authorize({ kind: 'plate', value: '22나2222' }, 20_000);
    const ack = entry.sendEvents({ events: [started] }, started.eventId, 20_000);
    await eventually(() => t.cloud.intake.inFlight === 2);
    // A live view's stream is open too: it ends with the stop, so its client resumes elsewhere.
    const stream = await fetch(`${t.cloud.httpUrl}/api/stream`, {
      headers: { authorization: `Bearer ${t.cloud.operatorToken}` },
    });
    expect(stream.status).toBe(200);
    const streamEnded = (async () => {
      const reader = stream.body!.getReader();
      while (!(await reader.read()).done) {}
      return true;
    })();

    let stoppedYet = false;
    const stopped = t.cloud.stop().then(() => {
      stoppedYet = true;
    });
    // No new connection is taken from here on, while the two requests are still being worked on.
    await expect(fetch(`${t.cloud.httpUrl}/healthz`)).rejects.toThrow();
    expect(stoppedYet).toBe(false);
    expect(t.cloud.intake.inFlight).toBe(2);
    expect(await streamEnded).toBe(true);

    release();
    await lock;
    await locker.destroy();
    expect(await answer).toMatchObject({ decision: 'allow', reservationId: arrivingReservation.id });
    expect((await ack).eventIds).toEqual([started.eventId]);
    await stopped;

    // Both were committed: after a restart the allowed car's admission stands and the car inside is in.
    await t.restart();
    await eventually(() => entry.client.connected);
    expect(await entry.authorize({ kind: 'plate', value: '22나2222' })).toMatchObject({
      decision: 'deny',
      reason: 'admission_pending',
    });
    await t.cloud.projector.catchUp();
    const schedule = await t.api.expect(200, 'GET', `/api/schedule?facilityId=${site.facility.id}`);
    expect(schedule.spaces.find((s: { id: string }) => s.id === site.spaces[0].id)).toMatchObject({
      status: 'occupied',
    });
  }, 60_000);
});

/**
 * What a gate waits for goes first at the database. An entry decision is served ahead of the work
 * already queued on the one sqlite connection; a long batch of gate events and a projector pass
 * commit what they have when something more urgent waits, and carry on after it.
 */
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbLanes } from '../../src/db/database.js';
import type { Database } from '../../src/db/schema.js';
import type { TestCloud } from '../../src/testing/cloud.js';
import { event, type TestGate } from '../../src/testing/gate.js';
import { startSite, type TestSite } from '../../src/testing/site.js';

describe('database lanes', () => {
  let env: TestSite;
  let t: TestCloud;
  let site: TestSite['site'];
  let entry: TestGate;
  let lanes: DbLanes;

  beforeAll(async () => {
    // The lanes of the one sqlite connection; PostgreSQL gives entry decisions a pool of their own.
    env = await startSite(['L-1', 'L-2'], {}, { sqlite: true });
    ({ t, site, entry } = env);
    lanes = t.cloud.ctx.lanes!;
  });
  afterAll(async () => env?.close());

  /** Runs `body` with the lanes' `urgentWaiting` answering `busy(call)` for the n-th call. */
  async function withWaiting<T>(busy: (call: number) => boolean, body: () => Promise<T>): Promise<T> {
    const real = lanes.urgentWaiting;
    let calls = 0;
    lanes.urgentWaiting = () => busy(++calls);
    try {
      return await body();
    } finally {
      lanes.urgentWaiting = real;
    }
  }

  const commits = () => {
    let n = 0;
    const off = t.cloud.ctx.bus.on('eventsAppended', () => {
      n += 1;
    });
    return { count: () => n, off };
  };

  it('serves an entry decision before the reads and writes queued ahead of it', async () => {
    const m = await t.api.member('Urgent', ['30UR300']);
    await t.api.reserve(m.token, site.spaces[0].id, '30UR300');
    let release!: () => void;
    const held = t.cloud.ctx.db.transaction().execute(
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    await expect.poll(() => release !== undefined).toBe(true);
    const order: string[] = [];
    const queued = [1, 2, 3].map((i) =>
      t.cloud.ctx.db
        .selectFrom('gates')
        .select('id')
        .execute()
        .then(() => order.push(`read ${i}`)),
    );
    // The allow's commit is heard on the bus as it returns, before its answer crosses the broker.
    const off = t.cloud.ctx.bus.on('eventsAppended', ({ events }) => {
      if (events.some((e) => e.type === 'EntryAllowed')) order.push('allow');
    });
    const allowed = entry.authorize({ kind: 'plate', value: '30UR300' });
    await expect.poll(() => lanes.urgentWaiting()).toBe(true);
    release();
    await held;
    expect(await allowed).toMatchObject({ decision: 'allow' });
    await Promise.all(queued);
    off();
    expect(order).toEqual(['allow', 'read 1', 'read 2', 'read 3']);
  });

  it('commits what a gate or a member is told of at synchronous=FULL, and what may be redone at NORMAL', async () => {
    const level = (db: Kysely<Database>) =>
      db
        .transaction()
        .execute(
          async (trx) =>
            (await sql<{ synchronous: number }>`pragma synchronous`.execute(trx)).rows[0]?.synchronous,
        );
    expect(await level(t.cloud.ctx.db)).toBe(2);
    expect(await level(lanes.urgent)).toBe(1);
    expect(await level(lanes.derived)).toBe(1);
    expect(await level(lanes.background)).toBe(1);
    expect(await level(t.cloud.ctx.db)).toBe(2);
  });

  it('leaves WAL checkpoints to the background lane, so that no commit runs one', async () => {
    const pragma = async (text: string) =>
      Object.values(
        (await sql.raw<Record<string, number>>(`pragma ${text}`).execute(t.cloud.ctx.db)).rows[0]!,
      );
    expect(await pragma('wal_autocheckpoint')).toEqual([0]);
    const m = await t.api.member('Checkpointed', ['33CP333']);
    expect(m.id).toBeTruthy();
    const runs = t.cloud.checkpointer!.stats.runs;
    await t.cloud.checkpointer!.run();
    expect(t.cloud.checkpointer!.stats.runs).toBe(runs + 1);
    // Everything in the WAL is in the database now: busy 0, and as many frames checkpointed as logged.
    const [busy, log, checkpointed] = await pragma('wal_checkpoint(PASSIVE)');
    expect(busy).toBe(0);
    expect(checkpointed).toBe(log);
  });

  it('commits a delivered batch in parts when an entry decision waits, each event once and in order', async () => {
    const batch = Array.from({ length: 7 }, (_, i) =>
      event('Denied', { kind: 'plate', value: `31DN${i}` }, { reason: 'no_reservation' }),
    );
    const seen = commits();
    const ack = await withWaiting(
      (call) => call % 3 === 0,
      () => entry.sendEvents({ events: batch }, batch.at(-1)!.eventId),
    );
    seen.off();
    expect(ack.eventIds).toEqual(batch.map((e) => e.eventId));
    // Cut after the 3rd and 6th event: three commits instead of one.
    expect(seen.count()).toBe(3);
    const logged = await t.cloud.ctx.db
      .selectFrom('event_log')
      .select('aggregate_id')
      .where(
        'aggregate_id',
        'in',
        batch.map((e) => e.eventId),
      )
      .orderBy('seq')
      .execute();
    expect(logged.map((r) => r.aggregate_id)).toEqual(batch.map((e) => e.eventId));

    // Sent again (as when its ack was lost): acked, and nothing applied twice.
    const again = commits();
    expect((await entry.sendEvents({ events: batch }, batch.at(-1)!.eventId)).eventIds).toEqual(
      batch.map((e) => e.eventId),
    );
    again.off();
    expect(again.count()).toBe(0);
  });

  it('lets the projector commit a pass in parts while other work waits, and finish it', async () => {
    await t.cloud.projector.stop();
    const m = await t.api.member('Projected', ['32PJ320']);
    const r = await t.api.reserve(m.token, site.spaces[1].id, '32PJ320');
    await t.api.expect(200, 'POST', `/api/reservations/${r.id}/cancel`, undefined, m.token);
    const before = { ...t.cloud.projector.stats };
    // Something always waits: every event is its own transaction, and all of them are projected.
    await withWaiting(
      () => true,
      async () => {
        await t.cloud.projector.start();
        await t.cloud.projector.catchUp();
      },
    );
    const events = t.cloud.projector.stats.events - before.events;
    expect(events).toBeGreaterThanOrEqual(3);
    expect(t.cloud.projector.stats.transactions - before.transactions).toBe(events);
    const space = await t.cloud.ctx.db
      .selectFrom('schedule_spaces')
      .select('status')
      .where('space_id', '=', site.spaces[1].id)
      .executeTakeFirstOrThrow();
    expect(space.status).toBe('available');
    const fresh = await t.api.expect(200, 'GET', `/api/schedule?facilityId=${site.facility.id}`);
    expect(fresh.asOf.lag).toBe(0);
  });
});

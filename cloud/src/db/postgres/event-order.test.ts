/**
 * The event log on PostgreSQL hands out sequence numbers in commit order (migration 004): two
 * transactions that append out of order are seen by every follower, both, in order.
 */
import { quietLogger } from '@parkinglot/platform/log';
import { systemClock } from '@parkinglot/platform/time';
import type { DomainEvent } from '@parkinglot/shared';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../domain/bus.js';
import { EventFeed } from '../../domain/event-feed.js';
import { appendEvents, lastSeq, readEventsAfter } from '../../domain/event-log.js';
import { createTestDatabase, type TestDatabase } from '../../testing/postgres.js';
import { type OpenDatabase, openDatabase } from '../database.js';
import { isRetryable } from '../errors.js';

let testDb: TestDatabase;
let database: OpenDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase(testDb.url, quietLogger());
});

afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

const event = (aggregateId: string) => ({
  type: 'SpaceReserved' as const,
  aggregateType: 'reservation' as const,
  aggregateId,
  facilityId: null,
  data: {},
});

const waitingForTurn = async () => {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_locks
    where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`.execute(
    database.db,
  );
  return rows[0]!.n > 0;
};

/** A follower of its own, on its own bus, that records what it hears. */
async function follower() {
  const bus = new EventBus(quietLogger());
  const heard: DomainEvent[] = [];
  bus.on('eventsAppended', ({ events }) => {
    heard.push(...events);
  });
  const feed = new EventFeed({ db: database.db, bus, log: quietLogger(), clock: systemClock, shared: true });
  await feed.start();
  return { feed, heard };
}

describe('the event log on PostgreSQL', () => {
  it('gives a transaction that commits later the later number, so no follower skips one', async () => {
    const followers = await Promise.all([follower(), follower()]);
    const before = await lastSeq(database.db);
    // A starts and does its work first; B starts, appends and commits while A is still open.
    let releaseA!: () => void;
    const aMayAppend = new Promise<void>((resolve) => {
      releaseA = resolve;
    });
    const a = database.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      await aMayAppend;
      return appendEvents(trx, [event('from-a')], 0);
    });
    const b = await database.db.transaction().execute((trx) => appendEvents(trx, [event('from-b')], 0));
    // A follower reading now sees B, and B's number is the next one.
    expect(b.map((e) => e.seq)).toEqual([before + 1]);
    await followers[0]!.feed.sync();
    expect(followers[0]!.heard.map((e) => e.aggregateId)).toEqual(['from-b']);
    releaseA();
    const aEvents = await a;
    expect(aEvents.map((e) => e.seq)).toEqual([before + 2]);
    for (const f of followers) {
      await f.feed.sync();
      expect(f.heard.map((e) => [e.seq, e.aggregateId])).toEqual([
        [before + 1, 'from-b'],
        [before + 2, 'from-a'],
      ]);
    }
    expect((await readEventsAfter(database.db, before, 10)).map((e) => e.aggregateId)).toEqual([
      'from-b',
      'from-a',
    ]);
  });

  it('holds a second appender until the first commits; a rolled-back number stays a hole no follower waits on', async () => {
    const before = await lastSeq(database.db);
    let releaseA!: () => void;
    const gate = new Promise<void>((resolve) => {
      releaseA = resolve;
    });
    let appended = false;
    const a = database.db.transaction().execute(async (trx) => {
      const events = await appendEvents(trx, [event('a1'), event('a2')], 0);
      appended = true;
      await gate;
      return events;
    });
    while (!appended) await new Promise((resolve) => setTimeout(resolve, 5));
    let bDone = false;
    const b = database.db
      .transaction()
      .execute((trx) => appendEvents(trx, [event('b1')], 0))
      .finally(() => {
        bDone = true;
      });
    // B waits for A's turn on the log: the server shows its advisory lock not granted.
    while (!(await waitingForTurn())) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(bDone).toBe(false);
    releaseA();
    expect((await a).map((e) => e.seq)).toEqual([before + 1, before + 2]);
    expect((await b).map((e) => e.seq)).toEqual([before + 3]);
    const { feed, heard } = await follower();
    await database.db
      .transaction()
      .execute(async (trx) => {
        await appendEvents(trx, [event('rolled-back')], 0);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    const next = await database.db.transaction().execute((trx) => appendEvents(trx, [event('c1')], 0));
    expect(next.map((e) => e.seq)).toEqual([before + 5]);
    await feed.sync();
    expect(heard.map((e) => [e.seq, e.aggregateId])).toEqual([[before + 5, 'c1']]);
  });

  it('classifies a serialization failure as one to run again', async () => {
    await sql`create table if not exists race (id int primary key, n int not null)`.execute(database.db);
    await sql`insert into race values (1, 0) on conflict do nothing`.execute(database.db);
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = database.db
      .transaction()
      .setIsolationLevel('serializable')
      .execute(async (trx) => {
        await sql`select n from race where id = 1`.execute(trx);
        await held;
        await sql`update race set n = n + 1 where id = 1`.execute(trx);
      });
    const second = await database.db
      .transaction()
      .setIsolationLevel('serializable')
      .execute(async (trx) => {
        await sql`select n from race where id = 1`.execute(trx);
        await sql`update race set n = n + 1 where id = 1`.execute(trx);
      })
      .then(
        () => null,
        (error: unknown) => error,
      );
    release();
    const firstError = await first.then(
      () => null,
      (error: unknown) => error,
    );
    const failure = second ?? firstError;
    expect(failure).toMatchObject({ code: '40001' });
    expect(isRetryable(failure)).toBe(true);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sqlite3Dialect } from './index.js';

interface TestDb {
  counters: { name: string; value: number };
  plates: { plate: string };
}

let dir: string;
const open: Kysely<TestDb>[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sqlite3-trx-'));
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.destroy()));
  await rm(dir, { recursive: true, force: true });
});

async function connect(): Promise<Kysely<TestDb>> {
  const db = new Kysely<TestDb>({ dialect: new Sqlite3Dialect({ filename: join(dir, 'test.db') }) });
  open.push(db);
  await sql`create table if not exists counters (name text primary key, value integer not null)`.execute(db);
  await sql`create table if not exists plates (plate text primary key)`.execute(db);
  await sql`insert or ignore into counters values ('hits', 0)`.execute(db);
  return db;
}

const count = async (db: Kysely<TestDb>) =>
  (await db.selectFrom('counters').select('value').where('name', '=', 'hits').executeTakeFirstOrThrow())
    .value;

/** Read, yield to the event loop so other callers get a chance to interleave, then write. */
async function increment(db: Kysely<TestDb>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const value = await count(trx);
    await new Promise((resolve) => setImmediate(resolve));
    await trx
      .updateTable('counters')
      .set({ value: value + 1 })
      .where('name', '=', 'hits')
      .execute();
  });
}

describe('Sqlite3Dialect transactions', () => {
  it('commits', async () => {
    const db = await connect();
    await db.transaction().execute((trx) => trx.insertInto('plates').values({ plate: 'A' }).execute());
    expect(await db.selectFrom('plates').selectAll().execute()).toEqual([{ plate: 'A' }]);
  });

  it('rolls back when the callback throws', async () => {
    const db = await connect();
    const failed = db.transaction().execute(async (trx) => {
      await trx.insertInto('plates').values({ plate: 'A' }).execute();
      throw new Error('changed my mind');
    });
    await expect(failed).rejects.toThrow('changed my mind');
    expect(await db.selectFrom('plates').selectAll().execute()).toEqual([]);
  });

  it('rolls back to and releases savepoints', async () => {
    const db = await connect();
    const trx = await db.startTransaction().execute();
    await trx.insertInto('plates').values({ plate: 'kept' }).execute();
    const sp1 = await trx.savepoint('sp1').execute();
    await sp1.insertInto('plates').values({ plate: 'undone' }).execute();
    const back = await sp1.rollbackToSavepoint('sp1').execute();
    const sp2 = await back.savepoint('sp 2"').execute(); // the name is quoted, not pasted
    await sp2.insertInto('plates').values({ plate: 'released' }).execute();
    await (await sp2.releaseSavepoint('sp 2"').execute()).commit().execute();
    const plates = await db.selectFrom('plates').select('plate').orderBy('plate').execute();
    expect(plates.map((p) => p.plate)).toEqual(['kept', 'released']);
  });

  it('serialises 50 concurrent read-modify-write transactions', async () => {
    const db = await connect();
    await Promise.all(Array.from({ length: 50 }, () => increment(db)));
    expect(await count(db)).toBe(50);
  });

  it('serialises transactions from two connections to one file (BEGIN IMMEDIATE + busy_timeout)', async () => {
    const [a, b] = [await connect(), await connect()];
    await Promise.all(Array.from({ length: 20 }, (_, i) => increment(i % 2 === 0 ? a : b)));
    expect(await count(a)).toBe(20);
  });

  it('rejects a constraint violation with its code, and the next query still works', async () => {
    const db = await connect();
    await db.insertInto('plates').values({ plate: '12가3456' }).execute();
    const error = await db
      .insertInto('plates')
      .values({ plate: '12가3456' })
      .execute()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SQLITE_CONSTRAINT', errno: 19 });
    expect((error as Error).message).toMatch(/UNIQUE constraint failed/);
    // The native error carries no stack of its own; ours points back at the caller.
    expect((error as Error).stack).toMatch(/transactions\.test\.ts/);
    expect(await db.selectFrom('plates').selectAll().execute()).toEqual([{ plate: '12가3456' }]);
  });

  it('releases the connection after a failed statement inside a transaction', async () => {
    const db = await connect();
    await db.insertInto('plates').values({ plate: 'A' }).execute();
    const failed = db.transaction().execute(async (trx) => {
      await trx.insertInto('plates').values({ plate: 'B' }).execute();
      await trx.insertInto('plates').values({ plate: 'A' }).execute();
    });
    await expect(failed).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT' });
    await increment(db);
    expect(await count(db)).toBe(1);
    expect(await db.selectFrom('plates').select('plate').execute()).toEqual([{ plate: 'A' }]);
  });

  it('reports the real error when sqlite already rolled the transaction back', async () => {
    const db = await connect();
    const failed = db.transaction().execute(async (trx) => {
      await sql`rollback`.execute(trx);
      throw new Error('the real cause');
    });
    await expect(failed).rejects.toThrow('the real cause');
    await increment(db);
  });
});

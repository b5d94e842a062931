import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Generated, Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sqlite3Dialect, type Sqlite3DialectConfig } from './index.js';

interface TestDb {
  vehicles: { id: Generated<number>; plate: string; owner: string | null };
}

let dir: string;
const open: Kysely<TestDb>[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sqlite3-dialect-'));
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.destroy()));
  await rm(dir, { recursive: true, force: true });
});

async function connect(config: Partial<Sqlite3DialectConfig> = {}): Promise<Kysely<TestDb>> {
  const db = new Kysely<TestDb>({
    dialect: new Sqlite3Dialect({ filename: join(dir, 'test.db'), ...config }),
  });
  open.push(db);
  await db.schema
    .createTable('vehicles')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('plate', 'text', (c) => c.notNull().unique())
    .addColumn('owner', 'text')
    .execute();
  return db;
}

describe('Sqlite3Dialect', () => {
  it('inserts, reads, updates and deletes', async () => {
    const db = await connect();
    const first = await db
      .insertInto('vehicles')
      .values({ plate: 'AB-123', owner: 'kim' })
      .executeTakeFirstOrThrow();
    const second = await db
      .insertInto('vehicles')
      .values({ plate: 'CD-456', owner: null })
      .executeTakeFirstOrThrow();
    expect(first.insertId).toBe(1n);
    expect(second.insertId).toBe(2n);
    expect(first.numInsertedOrUpdatedRows).toBe(1n);

    const rows = await db.selectFrom('vehicles').selectAll().orderBy('id').execute();
    expect(rows).toEqual([
      { id: 1, plate: 'AB-123', owner: 'kim' },
      { id: 2, plate: 'CD-456', owner: null },
    ]);

    const updated = await db.updateTable('vehicles').set({ owner: 'lee' }).executeTakeFirstOrThrow();
    expect(updated.numUpdatedRows).toBe(2n);
    const deleted = await db.deleteFrom('vehicles').where('id', '=', 1).executeTakeFirstOrThrow();
    expect(deleted.numDeletedRows).toBe(1n);
    const none = await db.deleteFrom('vehicles').where('id', '=', 99).executeTakeFirstOrThrow();
    expect(none.numDeletedRows).toBe(0n);
    expect(await db.selectFrom('vehicles').select('owner').execute()).toEqual([{ owner: 'lee' }]);
  });

  it('reports no insertId when an insert inserted nothing', async () => {
    const db = await connect();
    await db.insertInto('vehicles').values({ plate: 'AB-123' }).execute();
    const ignored = await db
      .insertInto('vehicles')
      .values({ plate: 'AB-123' })
      .onConflict((oc) => oc.column('plate').doNothing())
      .executeTakeFirstOrThrow();
    expect(ignored.numInsertedOrUpdatedRows).toBe(0n);
    expect(ignored.insertId).toBeUndefined();
  });

  it('counts rows for raw statements', async () => {
    const db = await connect();
    const result = await sql`insert into vehicles (plate) values ('X1'), ('X2')`.execute(db);
    expect(result.numAffectedRows).toBe(2n);
    expect(result.insertId).toBe(2n);
    expect((await sql<{ n: number }>`select count(*) as n from vehicles`.execute(db)).rows).toEqual([
      { n: 2 },
    ]);
  });

  it('returns rows from RETURNING', async () => {
    const db = await connect();
    const inserted = await db
      .insertInto('vehicles')
      .values({ plate: 'AB-123' })
      .returning(['id', 'plate'])
      .execute();
    expect(inserted).toEqual([{ id: 1, plate: 'AB-123' }]);
    const updated = await db.updateTable('vehicles').set({ owner: 'park' }).returningAll().execute();
    expect(updated).toEqual([{ id: 1, plate: 'AB-123', owner: 'park' }]);
    const raw = await sql<{ id: number }>`delete from vehicles returning id`.execute(db);
    expect(raw.rows).toEqual([{ id: 1 }]);
  });

  it('round-trips UTF-8 (a Korean plate)', async () => {
    const db = await connect();
    await db.insertInto('vehicles').values({ plate: '12가3456', owner: '홍길동' }).execute();
    const row = await db
      .selectFrom('vehicles')
      .selectAll()
      .where('plate', '=', '12가3456')
      .executeTakeFirst();
    expect(row).toEqual({ id: 1, plate: '12가3456', owner: '홍길동' });
    const length = await sql<{ n: number }>`select length(plate) as n from vehicles`.execute(db);
    expect(length.rows[0]?.n).toBe(7);
  });

  it('binds a safe BigInt as a number and refuses an unsafe one', async () => {
    const db = await connect();
    await sql`insert into vehicles (id, plate) values (${10n}, 'B')`.execute(db);
    expect(await db.selectFrom('vehicles').select('id').execute()).toEqual([{ id: 10 }]);
    await expect(sql`select ${2n ** 60n}`.execute(db)).rejects.toThrow(RangeError);
  });

  it('streams rows in chunks', async () => {
    const db = await connect();
    await db
      .insertInto('vehicles')
      .values(['A', 'B', 'C', 'D', 'E'].map((plate) => ({ plate })))
      .execute();
    const plates: string[] = [];
    for await (const row of db.selectFrom('vehicles').select('plate').orderBy('plate').stream(2)) {
      plates.push(row.plate);
    }
    expect(plates).toEqual(['A', 'B', 'C', 'D', 'E']);
  });
  describe('prepared statements', () => {
    it('reuses a statement across calls with different parameters', async () => {
      const db = await connect();
      for (const plate of ['12가3456', 'B2', 'C3'])
        await db.insertInto('vehicles').values({ plate }).execute();
      for (const plate of ['12가3456', 'C3']) {
        const row = await db
          .selectFrom('vehicles')
          .select('plate')
          .where('plate', '=', plate)
          .executeTakeFirst();
        expect(row?.plate).toBe(plate);
      }
    });

    it('sees a schema change made after a statement was cached', async () => {
      const db = await connect();
      await db.insertInto('vehicles').values({ plate: 'A1' }).execute();
      const read = () => sql<Record<string, unknown>>`select * from vehicles`.execute(db);
      expect(Object.keys((await read()).rows[0]!)).toEqual(['id', 'plate', 'owner']);
      await sql`alter table vehicles add column colour text`.execute(db);
      expect(Object.keys((await read()).rows[0]!)).toEqual(['id', 'plate', 'owner', 'colour']);
    });

    it('keeps working past the cache size, and a statement that fails to prepare is not kept', async () => {
      const db = await connect();
      for (let i = 0; i < 300; i++) {
        const { rows } = await sql<{ n: number }>`select ${sql.lit(i)} as n`.execute(db);
        expect(rows[0]!.n).toBe(i);
      }
      await expect(sql`select * from nowhere`.execute(db)).rejects.toThrow(/no such table/);
      await sql`create table nowhere (x)`.execute(db);
      expect((await sql`select * from nowhere`.execute(db)).rows).toEqual([]);
    });

    it('runs statements with many parameters, which it prepares for one use', async () => {
      const db = await connect();
      const plates = Array.from({ length: 150 }, (_, i) => `P${i}`);
      await db
        .insertInto('vehicles')
        .values(plates.map((plate) => ({ plate })))
        .execute();
      const rows = await db.selectFrom('vehicles').select('plate').where('plate', 'in', plates).execute();
      expect(rows).toHaveLength(150);
      await expect(db.destroy()).resolves.toBeUndefined();
    });

    it('answers two queries of one text started together in one transaction', async () => {
      const db = await connect();
      await db.insertInto('vehicles').values({ plate: 'A1' }).execute();
      const [a, b] = await db
        .transaction()
        .execute((trx) =>
          Promise.all([
            trx.selectFrom('vehicles').select('plate').where('owner', 'is', null).execute(),
            trx.selectFrom('vehicles').select('plate').where('owner', 'is', null).execute(),
          ]),
        );
      expect(a).toEqual([{ plate: 'A1' }]);
      expect(b).toEqual([{ plate: 'A1' }]);
      await expect(db.destroy()).resolves.toBeUndefined();
    });

    it('closes with statements cached', async () => {
      const db = await connect();
      await db.selectFrom('vehicles').selectAll().execute();
      await expect(db.destroy()).resolves.toBeUndefined();
    });
  });
});

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, sql, type Transaction } from 'kysely';
import type { Database } from 'sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sqlite3Dialect, type Sqlite3DialectConfig } from './index.js';

let dir: string;
const open: Kysely<unknown>[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sqlite3-lifecycle-'));
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.destroy()));
  await rm(dir, { recursive: true, force: true });
});

function connect(config: Partial<Sqlite3DialectConfig> = {}): Kysely<unknown> {
  const db = new Kysely<unknown>({
    dialect: new Sqlite3Dialect({ filename: join(dir, 'test.db'), ...config }),
  });
  open.push(db);
  return db;
}

async function pragma(db: Kysely<unknown> | Transaction<unknown>, name: string): Promise<unknown> {
  const { rows } = await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(db);
  return Object.values(rows[0] ?? {})[0];
}

describe('Sqlite3Dialect lifecycle', () => {
  it('opens a file database in WAL with the configured pragmas', async () => {
    const db = connect({ synchronous: 'FULL', busyTimeoutMs: 1234 });
    expect(await pragma(db, 'journal_mode')).toBe('wal');
    expect(await pragma(db, 'synchronous')).toBe(2); // FULL
    expect(await pragma(db, 'foreign_keys')).toBe(1);
    expect(await pragma(db, 'busy_timeout')).toBe(1234);
    await sql`create table t (x)`.execute(db);
    expect(await readdir(dir)).toContain('test.db-wal');
  });

  it('defaults to synchronous = NORMAL and works in memory', async () => {
    const db = connect({ filename: ':memory:' });
    expect(await pragma(db, 'synchronous')).toBe(1); // NORMAL
    expect(await pragma(db, 'journal_mode')).toBe('memory');
    expect(await pragma(db, 'foreign_keys')).toBe(1);
  });

  it('runs onOpen with the sqlite3 handle before the first query', async () => {
    const db = connect({
      onOpen: (handle) =>
        new Promise<void>((resolve, reject) =>
          handle.exec('create table seeded (x)', (e) => (e ? reject(e) : resolve())),
        ),
    });
    expect((await db.introspection.getTables()).map((t) => t.name)).toEqual(['seeded']);
  });

  it('rejects queries when opening fails', async () => {
    const failing = connect({ onOpen: () => Promise.reject(new Error('nope')) });
    await expect(sql`select 1`.execute(failing)).rejects.toThrow('nope');
    const missingDir = connect({ filename: join(dir, 'no', 'such', 'dir.db') });
    await expect(sql`select 1`.execute(missingDir)).rejects.toMatchObject({ code: 'SQLITE_CANTOPEN' });
  });

  it('closes the database on destroy, after the running transaction', async () => {
    let handle: Database | undefined;
    const db = connect({
      onOpen: (h) => {
        handle = h;
      },
    });
    await sql`create table t (x)`.execute(db);
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const trx = db.transaction().execute(async (t) => {
      await held;
      await sql`insert into t values (1)`.execute(t);
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const destroyed = db.destroy();
    release();
    await trx;
    await destroyed;

    await expect(sql`select 1`.execute(db)).rejects.toThrow(/destroyed/);
    const error = await new Promise<Error | null>((resolve) =>
      handle!.run('select 1', (err) => resolve(err)),
    );
    expect(error).toMatchObject({ code: 'SQLITE_MISUSE', message: expect.stringMatching(/closed/) });

    const reopened = connect();
    expect((await sql`select x from t`.execute(reopened)).rows).toEqual([{ x: 1 }]);
  });

  it('serves lanes of one connection most urgent first, and closes it when the last lane is destroyed', async () => {
    let handle: Database | undefined;
    const dialect = new Sqlite3Dialect({
      filename: join(dir, 'lanes.db'),
      onOpen: (h) => {
        handle = h;
      },
    });
    const db = new Kysely<unknown>({ dialect });
    const urgent = new Kysely<unknown>({ dialect: dialect.inLane('urgent') });
    const background = new Kysely<unknown>({ dialect: dialect.inLane('background') });
    await sql`create table t (x)`.execute(db);
    await sql`select 1`.execute(urgent);
    await sql`select 1`.execute(background);

    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const order: string[] = [];
    const trx = db.transaction().execute(async (t) => {
      await held;
      await sql`insert into t values (0)`.execute(t);
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const waiting = [
      sql`insert into t values (1)`.execute(background).then(() => order.push('background')),
      sql`insert into t values (2)`.execute(db).then(() => order.push('normal')),
      sql`insert into t values (3)`.execute(urgent).then(() => order.push('urgent')),
    ];
    expect(dialect.waiting).toEqual({ urgent: 1, normal: 1, background: 1 });
    release();
    await Promise.all([trx, ...waiting]);
    expect(order).toEqual(['urgent', 'normal', 'background']);

    await urgent.destroy();
    await background.destroy();
    expect((await sql<{ n: number }>`select count(*) as n from t`.execute(db)).rows).toEqual([{ n: 4 }]);
    await db.destroy();
    const error = await new Promise<Error | null>((resolve) =>
      handle!.run('select 1', (err) => resolve(err)),
    );
    expect(error).toMatchObject({ code: 'SQLITE_MISUSE' });
  });

  it('commits each lane at its own synchronous level, switching only when the level changes', async () => {
    const dialect = new Sqlite3Dialect({ filename: join(dir, 'durability.db'), synchronous: 'FULL' });
    const db = new Kysely<unknown>({ dialect });
    const fast = new Kysely<unknown>({ dialect: dialect.inLane('urgent', { synchronous: 'NORMAL' }) });
    const level = (k: Kysely<unknown>) => k.transaction().execute((trx) => pragma(trx, 'synchronous'));
    expect(await level(db)).toBe(2); // FULL
    expect(await level(fast)).toBe(1); // NORMAL
    expect(await pragma(fast, 'synchronous')).toBe(1);
    expect(await level(db)).toBe(2);
    await Promise.all([fast.destroy(), db.destroy()]);
  });
});

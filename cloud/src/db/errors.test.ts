import { Sqlite3Dialect } from '@parkinglot/platform/sqlite';
import { Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUniqueViolation } from './errors.js';

const db = new Kysely<unknown>({ dialect: new Sqlite3Dialect({ filename: ':memory:' }) });

async function failure(statement: string): Promise<unknown> {
  return sql
    .raw(statement)
    .execute(db)
    .then(
      () => expect.unreachable(`${statement} succeeded`),
      (error: unknown) => error,
    );
}

beforeAll(async () => {
  for (const ddl of [
    'create table owners (id integer primary key, email text unique, name text not null)',
    'create table cars (plate text primary key, owner_id integer references owners (id), seats integer check (seats > 0))',
    'create table tags (a text, b text, primary key (a, b)) without rowid',
  ]) {
    await sql.raw(ddl).execute(db);
  }
  await sql.raw(`insert into owners values (1, 'a@example.com', 'Kim')`).execute(db);
  await sql.raw(`insert into cars values ('12가3456', 1, 4)`).execute(db);
  await sql.raw(`insert into tags values ('x', 'y')`).execute(db);
});

afterAll(() => db.destroy());

describe('isUniqueViolation on sqlite', () => {
  it.each([
    ['a UNIQUE column', `insert into owners values (2, 'a@example.com', 'Lee')`],
    ['an INTEGER PRIMARY KEY', `insert into owners values (1, 'b@example.com', 'Lee')`],
    ['a text PRIMARY KEY', `insert into cars values ('12가3456', null, null)`],
    ['a WITHOUT ROWID composite key', `insert into tags values ('x', 'y')`],
  ])('recognises %s', async (_, statement) => {
    const error = await failure(statement);
    expect(error).toMatchObject({ code: 'SQLITE_CONSTRAINT' });
    expect(isUniqueViolation(error)).toBe(true);
  });

  it.each([
    ['NOT NULL', `insert into owners values (3, 'c@example.com', null)`, 'SQLITE_CONSTRAINT'],
    ['FOREIGN KEY', `insert into cars values ('X', 99, 1)`, 'SQLITE_CONSTRAINT'],
    ['CHECK', `insert into cars values ('Y', 1, 0)`, 'SQLITE_CONSTRAINT'],
    ['a syntax error', 'selec 1', 'SQLITE_ERROR'],
  ])('does not mistake %s for one', async (_, statement, code) => {
    const error = await failure(statement);
    expect(error).toMatchObject({ code });
    expect(isUniqueViolation(error)).toBe(false);
  });

  it("recognises PostgreSQL's unique_violation and ignores non-errors", () => {
    expect(isUniqueViolation({ code: '23505', message: 'duplicate key value' })).toBe(true);
    expect(isUniqueViolation({ code: '23503', message: 'UNIQUE constraint failed' })).toBe(false);
    expect(isUniqueViolation(new Error('UNIQUE constraint failed: t.x'))).toBe(false);
    expect(isUniqueViolation(null)).toBe(false);
    expect(isUniqueViolation('SQLITE_CONSTRAINT')).toBe(false);
  });
});

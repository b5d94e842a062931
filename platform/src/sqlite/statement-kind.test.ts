import {
  CompiledQuery,
  DummyDriver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from 'kysely';
import { describe, expect, it } from 'vitest';
import { returnsRows, sqlReturnsRows } from './statement-kind.js';

interface Db {
  t: { id: number; name: string };
}

// Compiles only: DummyDriver never touches a database.
const db = new Kysely<Db>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new SqliteIntrospector(k),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
});

describe('returnsRows', () => {
  it('decides builder queries from the node', () => {
    expect(returnsRows(db.selectFrom('t').selectAll().compile())).toBe(true);
    expect(returnsRows(db.insertInto('t').values({ id: 1, name: 'a' }).compile())).toBe(false);
    expect(returnsRows(db.insertInto('t').values({ id: 1, name: 'a' }).returning('id').compile())).toBe(true);
    expect(returnsRows(db.updateTable('t').set({ name: 'b' }).compile())).toBe(false);
    expect(returnsRows(db.updateTable('t').set({ name: 'b' }).returningAll().compile())).toBe(true);
    expect(returnsRows(db.deleteFrom('t').compile())).toBe(false);
    expect(returnsRows(db.deleteFrom('t').returning('id').compile())).toBe(true);
  });

  it('ignores a "returning" that is only a value in a builder query', () => {
    expect(returnsRows(db.updateTable('t').set({ name: 'returning x' }).compile())).toBe(false);
  });

  it('falls back to the text for raw queries', () => {
    expect(returnsRows(sql`select 1`.compile(db))).toBe(true);
    expect(returnsRows(sql`delete from t`.compile(db))).toBe(false);
    expect(returnsRows(CompiledQuery.raw('begin immediate'))).toBe(false);
    expect(returnsRows(db.schema.createTable('x').addColumn('a', 'text').compile())).toBe(false);
  });
});

describe('sqlReturnsRows', () => {
  it.each([
    ['SELECT 1', true],
    ['  with x as (select 1) select * from x', true],
    ['pragma journal_mode', true],
    ['VALUES (1), (2)', true],
    ['explain query plan select 1', true],
    ['-- why\n/* and how */ (select 1)', true],
    ['insert into t (a) values (1) returning id', true],
    ['delete from t where id = ?\nRETURNING *', true],
    ['insert into t (a) values (1)', false],
    ['update t set a = 1', false],
    ['create table t (a)', false],
    ['commit', false],
  ])('%s → %s', (text, expected) => {
    expect(sqlReturnsRows(text)).toBe(expected);
  });
});

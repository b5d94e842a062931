/**
 * Which sqlite3 call a statement needs: `db.all` is the only way to get rows back, but only `db.run`
 * reports `changes` and `lastID`. Picking wrong loses either the rows or the counts, never data.
 */
import {
  type CompiledQuery,
  DeleteQueryNode,
  InsertQueryNode,
  SelectQueryNode,
  UpdateQueryNode,
} from 'kysely';

export function returnsRows(compiledQuery: CompiledQuery): boolean {
  const { query } = compiledQuery;
  // The node is exact; the text check below is only for raw `sql` and other nodes we cannot see into.
  if (SelectQueryNode.is(query)) return true;
  if (InsertQueryNode.is(query) || UpdateQueryNode.is(query) || DeleteQueryNode.is(query)) {
    return query.returning !== undefined;
  }
  return sqlReturnsRows(compiledQuery.sql);
}

const ROW_KEYWORDS = new Set(['select', 'with', 'pragma', 'values', 'explain']);
// Leading whitespace, comments and opening parentheses hide the first keyword.
const LEADING_NOISE = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()*/;

/**
 * A heuristic: a RETURNING inside a string literal or a column named "returning" reads as rows and only
 * costs the affected-row count.
 */
export function sqlReturnsRows(sql: string): boolean {
  const body = sql.replace(LEADING_NOISE, '');
  const first = /^[a-z]+/i.exec(body)?.[0]?.toLowerCase();
  if (first !== undefined && ROW_KEYWORDS.has(first)) return true;
  return /\breturning\b/i.test(body);
}

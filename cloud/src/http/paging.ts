/**
 * Keyset pagination for the lists: `?limit=` (1 to 500, 50 by default) and `?cursor=` from the
 * previous page's `nextCursor`. A cursor is the last row's sort key, opaque to clients (base64url
 * JSON); it stays valid while rows are added, unlike an offset.
 */
import { z } from 'zod';
import { invalid } from '../domain/errors.js';

export const MAX_PAGE = 500;

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
  cursor: z.string().max(512).optional(),
});

/** The sort key a cursor carries: a list of strings (for example a time and an id). */
export function readCursor(cursor: string | undefined, parts: number): string[] | null {
  if (cursor === undefined) return null;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = null;
  }
  if (
    !Array.isArray(key) ||
    key.length !== parts ||
    !key.every((k) => typeof k === 'string' && k.length <= 200)
  ) {
    throw invalid('bad_cursor', 'cursor: not one this API gave out; start again without it');
  }
  return key as string[];
}

/** One page of `rows` fetched with limit + 1: the extra row only says there is a next page. */
export function page<Row>(result: { rows: Row[]; key: (row: Row) => string[] }, limit: number) {
  const items = result.rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor:
      result.rows.length > limit && last !== undefined
        ? Buffer.from(JSON.stringify(result.key(last)), 'utf8').toString('base64url')
        : null,
  };
}

/** The page request of a validated query. */
export const pageOf = (q: { limit: number; cursor?: string | undefined }, keyParts: number) => ({
  limit: q.limit,
  after: readCursor(q.cursor, keyParts),
});

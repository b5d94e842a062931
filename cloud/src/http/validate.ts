/** Body and query validation: anything that does not parse or validate is a 400, never a 500. */
import { describeZodError, isWellFormed, walkJson } from '@parkinglot/shared';
import type { Context } from 'hono';
import type { z } from 'zod';
import { DomainError } from '../domain/errors.js';

export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(await c.req.text());
  } catch {
    throw new DomainError('malformed_json', 'the request body is not valid JSON', 400);
  }
  if (holdsLoneSurrogate(raw)) {
    // JSON may spell one (`"\ud800"`), but it has no UTF-8 form: stored, it would come back as U+FFFD.
    throw new DomainError('malformed_json', 'the request body holds a lone UTF-16 surrogate', 400);
  }
  return check(schema, raw);
}

/** Any key or string of a parsed body that is not well-formed UTF-16. */
function holdsLoneSurrogate(value: unknown): boolean {
  for (const { node, key } of walkJson(value)) {
    if ((key !== null && !isWellFormed(key)) || (typeof node === 'string' && !isWellFormed(node)))
      return true;
  }
  return false;
}

export function readParams<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  return check(schema, c.req.param());
}

export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  return check(schema, c.req.query());
}

function check<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new DomainError('validation_failed', describeZodError(parsed.error), 400);
  return parsed.data;
}

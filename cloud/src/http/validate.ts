/** Body and query validation: anything that does not parse or validate is a 400, never a 500. */
import { describeZodError } from '@parkinglot/shared';
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
  return check(schema, raw);
}

export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  return check(schema, c.req.query());
}

function check<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new DomainError('validation_failed', describeZodError(parsed.error), 400);
  return parsed.data;
}

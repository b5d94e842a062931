/** Every error leaves the API as `{error, message}` with its status, mapped here and nowhere else. */

import type { Logger } from '@parkinglot/platform/log';
import type { ApiError } from '@parkinglot/shared';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { classifyDbError } from '../db/errors.js';
import { DomainError } from '../domain/errors.js';

export function errorBody(error: string, message: string, details?: unknown): ApiError {
  return details === undefined ? { error, message } : { error, message, details };
}

export function errorHandler(log: Logger) {
  return (err: Error, c: Context) => {
    if (err instanceof DomainError) {
      return c.json(errorBody(err.code, err.message), err.status as ContentfulStatusCode);
    }
    if (err instanceof HTTPException) {
      const code =
        err.status === 413 ? 'payload_too_large' : err.status === 401 ? 'unauthorized' : 'bad_request';
      return c.json(errorBody(code, err.message || code), err.status);
    }
    const db = classifyDbError(err);
    if (db === 'bad_text') {
      return c.json(
        errorBody('bad_request', 'the request holds a character that cannot be stored (NUL)'),
        400,
      );
    }
    if (db === 'retry') {
      log.warn(`${c.req.method} ${c.req.path}: lost every attempt to a concurrent transaction`);
      return c.json(errorBody('unavailable', 'the database is busy with the same records; try again'), 503);
    }
    if (db === 'connection') {
      log.warn(`${c.req.method} ${c.req.path}: the database is unreachable (${err.message})`);
      return c.json(errorBody('unavailable', 'the database is unreachable; try again shortly'), 503);
    }
    log.error(`${c.req.method} ${c.req.path} failed`, err);
    return c.json(errorBody('internal_error', 'the server could not complete the request'), 500);
  };
}

/**
 * One declaration per endpoint: the route Hono serves and its entry in the OpenAPI document, from
 * the same zod schemas the handler validates with (readBody, readQuery). The body is parsed by
 * readBody, not by a validator middleware, so malformed JSON, a lone surrogate and a body sent
 * without a JSON content type (curl -d) get the answers they always had.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import type { Env } from './auth.js';
import { readParams } from './validate.js';

/** Who may call it, as the document says: the handler enforces it (requireStaff). */
export type Audience =
  | 'anyone'
  | 'member'
  | 'viewer'
  | 'operator'
  | 'admin'
  | 'member or viewer'
  | 'member or operator';

const ERROR_TEXT: Record<number, string> = {
  400: 'The body, the query or an id does not validate (`malformed_json`, `validation_failed`, …)',
  401: 'No valid token (`unauthorized`)',
  403: 'The token may not do this (`forbidden`: a role too low, another member’s)',
  404: 'What the path names does not exist (`<thing>_not_found`)',
  409: 'The request conflicts with the current state (the `error` code says how)',
  413: 'The body is over 64 KiB (`payload_too_large`)',
  503: 'The database or the broker cannot be reached, or lost to a concurrent change: try again (`unavailable`, `broker_unavailable`)',
  504: 'The gate did not answer in time (`gate_timeout`)',
};

export const errorSchema = z
  .object({
    error: z.string().meta({ description: 'A stable code, for programs', example: 'space_unavailable' }),
    message: z.string().meta({ description: 'What happened, for people' }),
    details: z.unknown().optional(),
  })
  .meta({ id: 'Error' });

/** Every id in a path: anything longer is a 400 (never a 500), anything unknown a 404. */
export const idParams = z.object({ id: z.string().min(1).max(64) });

export interface EndpointSpec {
  method: 'get' | 'post' | 'put';
  /** OpenAPI style, relative to the router: `/{id}/cancel`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  audience: Audience;
  body?: z.ZodType;
  query?: z.ZodObject;
  params?: z.ZodObject;
  ok: { status: 200 | 201; schema: z.ZodType; description: string; contentType?: string };
  /** Error statuses beyond 401 and 503, which every signed-in endpoint has. */
  errors: number[];
}

export function endpoint(
  router: OpenAPIHono<Env>,
  spec: EndpointSpec,
  handler: (c: Context<Env>) => Response | Promise<Response>,
): void {
  const signedIn = spec.audience !== 'anyone';
  const statuses = [...new Set([...(signedIn ? [401] : []), ...spec.errors, ...(signedIn ? [503] : [])])];
  if (spec.body) statuses.push(413);
  router.openAPIRegistry.registerPath({
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    description: `${spec.description ? `${spec.description}\n\n` : ''}**Who:** ${spec.audience}.`,
    tags: [spec.tag],
    ...(signedIn ? { security: [{ bearer: [] }] } : {}),
    request: {
      ...(spec.params ? { params: spec.params } : {}),
      ...(spec.query ? { query: spec.query } : {}),
      ...(spec.body
        ? { body: { required: true, content: { 'application/json': { schema: spec.body } } } }
        : {}),
    },
    responses: {
      [spec.ok.status]: {
        description: spec.ok.description,
        content: { [spec.ok.contentType ?? 'application/json']: { schema: spec.ok.schema } },
      },
      ...Object.fromEntries(
        [...new Set(statuses)].sort().map((status) => [
          status,
          {
            description: ERROR_TEXT[status] ?? 'An error',
            content: { 'application/json': { schema: errorSchema } },
          },
        ]),
      ),
    },
  });
  const honoPath = spec.path.replaceAll(/\{([^}]+)\}/g, ':$1');
  const { params } = spec;
  router.on(spec.method.toUpperCase(), honoPath, (c) => {
    if (params) readParams(c, params);
    return handler(c);
  });
}

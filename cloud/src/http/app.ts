/** The HTTP API (docs/protocol.md, "HTTP"). Build with `createHttpApp`; serve with @hono/node-server. */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import type { DomainContext } from '../domain/context.js';
import type { StaffAccount } from '../domain/operators.js';
import type { GateCommander } from '../gateway/gate-commander.js';
import type { GateStatus } from '../gateway/gate-status.js';
import type { CloudMetrics } from '../metrics/cloud-metrics.js';
import { apiDocs } from './api-docs.js';
import { authenticate, type Env, requireStaff } from './auth.js';
import { endpoint } from './endpoint.js';
import { errorBody, errorHandler } from './errors.js';
import { countRequests } from './request-metrics.js';
import { allowlistRoutes, signingKeyRoutes } from './routes/allowlist.js';
import { commandRoutes, gateEventRoutes } from './routes/commands.js';
import { eventRoutes } from './routes/events.js';
import { facilityRoutes } from './routes/facilities.js';
import { gateRoutes } from './routes/gates.js';
import { meRoutes } from './routes/me.js';
import { memberRoutes } from './routes/members.js';
import { operatorRoutes } from './routes/operators.js';
import { reservationRoutes } from './routes/reservations.js';
import { scheduleRoutes } from './routes/schedule.js';
import { spaceRoutes } from './routes/spaces.js';
import { streamRoutes } from './routes/stream.js';
import { refuseWhileStopping, Stopping } from './stopping.js';
import { webView } from './web-view.js';

/** The largest request body: a member with many plates and tags is a few KiB. */
export const MAX_BODY_BYTES = 64 * 1024;

export interface Readiness {
  /** Each named dependency and whether it is reachable now. */
  check(): Promise<Record<string, boolean>>;
}

export interface HttpAppOptions {
  /** The first admin: the configured operator token is theirs. */
  firstAdmin: { token: string; account: StaffAccount };
  readiness: Readiness;
  metrics: CloudMetrics;
  commander: GateCommander;
  gateStatus: GateStatus;
  /** Told when the instance begins to stop (a fresh one, never stopping, unless given). */
  stopping?: Stopping;
}

export function createHttpApp(ctx: DomainContext, options: HttpAppOptions) {
  const app = new OpenAPIHono<Env>();
  const stopping = options.stopping ?? new Stopping();
  app.use(countRequests(options.metrics));
  app.use(refuseWhileStopping(stopping));
  app.onError(errorHandler(ctx.log.child('http')));
  app.notFound((c) =>
    c.json(errorBody('route_not_found', `${c.req.method} ${c.req.path} is not an API route`), 404),
  );

  const tag = 'Operations';
  endpoint(
    app,
    {
      method: 'get',
      path: '/healthz',
      tag,
      summary: 'Liveness',
      audience: 'anyone',
      ok: { status: 200, schema: z.object({ status: z.literal('ok') }), description: 'The process answers' },
      errors: [],
    },
    (c) => c.json({ status: 'ok' }),
  );
  endpoint(
    app,
    {
      method: 'get',
      path: '/readyz',
      tag,
      summary: 'Readiness: the database and the broker link are up, and the instance is not stopping',
      audience: 'anyone',
      ok: {
        status: 200,
        schema: z.object({
          status: z.enum(['ready', 'not_ready', 'stopping']),
          checks: z.record(z.string(), z.boolean()),
        }),
        description: 'Ready (503 with the same body when not)',
      },
      errors: [503],
    },
    async (c) => {
      const checks = await options.readiness.check();
      if (stopping.active) return c.json({ status: 'stopping' as const, checks }, 503);
      const ready = Object.values(checks).every(Boolean);
      return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503);
    },
  );

  // Prometheus scrapes with a viewer's token (its `authorization` setting).
  const signedIn = authenticate(ctx.db, options.firstAdmin);
  app.use('/metrics', signedIn);
  endpoint(
    app,
    {
      method: 'get',
      path: '/metrics',
      tag,
      summary: 'Prometheus metrics (text format)',
      audience: 'viewer',
      ok: {
        status: 200,
        schema: z.string(),
        description: 'The text exposition format, version 0.0.4',
        contentType: 'text/plain',
      },
      errors: [403],
    },
    async (c) => {
      requireStaff(c.get('actor'), 'viewer');
      return c.body(await options.metrics.scrape(), 200, { 'Content-Type': options.metrics.contentType });
    },
  );

  // The document and its viewer need no token: they hold no data, only the contract. Nor does the
  // live view's page: it asks for a token and holds nothing until it has one.
  apiDocs(app);
  webView(app);

  const api = new OpenAPIHono<Env>();
  api.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      // The rest of the body is never read, so the connection cannot carry another request: without
      // `Connection: close` the next request on it would be parsed from the leftover bytes and lost.
      onError: (c) =>
        c.json(errorBody('payload_too_large', `the request body is over ${MAX_BODY_BYTES} bytes`), 413, {
          Connection: 'close',
        }),
    }),
  );
  api.use(signedIn);
  const { commander, gateStatus: status } = options;
  api.route('/facilities', facilityRoutes(ctx, status));
  api.route('/facilities', allowlistRoutes(ctx));
  api.route('/signing-key', signingKeyRoutes(ctx));
  api.route('/spaces', spaceRoutes(ctx));
  api.route('/gates', gateRoutes(ctx, { commander, status }));
  api.route('/members', memberRoutes(ctx));
  api.route('/me', meRoutes(ctx));
  api.route('/reservations', reservationRoutes(ctx));
  api.route('/schedule', scheduleRoutes(ctx));
  api.route('/events', eventRoutes(ctx));
  api.route('/operators', operatorRoutes(ctx));
  api.route('/commands', commandRoutes(ctx));
  api.route('/gate-events', gateEventRoutes(ctx));
  api.route('/stream', streamRoutes(ctx, { status, clock: ctx.clock, stopping }));
  app.route('/api', api);
  return app;
}

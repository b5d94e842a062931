/** The HTTP API (docs/protocol.md, "HTTP"). Build with `createHttpApp`; serve with @hono/node-server. */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { DomainContext } from '../domain/context.js';
import type { StaffAccount } from '../domain/operators.js';
import type { GateCommander } from '../gateway/gate-commander.js';
import type { CloudMetrics } from '../metrics/cloud-metrics.js';
import { authenticate, type Env, requireStaff } from './auth.js';
import { errorBody, errorHandler } from './errors.js';
import { countRequests } from './request-metrics.js';
import { commandRoutes } from './routes/commands.js';
import { eventRoutes } from './routes/events.js';
import { facilityRoutes } from './routes/facilities.js';
import { gateRoutes } from './routes/gates.js';
import { memberRoutes } from './routes/members.js';
import { operatorRoutes } from './routes/operators.js';
import { reservationRoutes } from './routes/reservations.js';
import { scheduleRoutes } from './routes/schedule.js';

/** The largest request body: a member with many plates and tags is a few KiB. */
export const MAX_BODY_BYTES = 64 * 1024;

export interface Readiness {
  /** Each named dependency and whether it is reachable now. */
  check(): Promise<Record<string, boolean>>;
}

export function createHttpApp(
  ctx: DomainContext,
  options: {
    /** The first admin: the configured operator token is theirs. */
    firstAdmin: { token: string; account: StaffAccount };
    readiness: Readiness;
    metrics: CloudMetrics;
    commander: GateCommander;
  },
) {
  const app = new Hono<Env>();
  app.use(countRequests(options.metrics));
  app.onError(errorHandler(ctx.log.child('http')));
  app.notFound((c) =>
    c.json(errorBody('route_not_found', `${c.req.method} ${c.req.path} is not an API route`), 404),
  );

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const checks = await options.readiness.check();
    const ready = Object.values(checks).every(Boolean);
    return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503);
  });

  // Prometheus scrapes with an operator's token (its `authorization` setting).
  const signedIn = authenticate(ctx.db, options.firstAdmin);
  app.get('/metrics', signedIn, async (c) => {
    requireStaff(c.get('actor'), 'viewer');
    return c.body(await options.metrics.scrape(), 200, { 'Content-Type': options.metrics.contentType });
  });

  const api = new Hono<Env>();
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
  api.route('/facilities', facilityRoutes(ctx));
  api.route('/gates', gateRoutes(ctx, options.commander));
  api.route('/operators', operatorRoutes(ctx));
  api.route('/commands', commandRoutes(ctx));
  api.route('/members', memberRoutes(ctx));
  api.route('/reservations', reservationRoutes(ctx));
  api.route('/schedule', scheduleRoutes(ctx));
  api.route('/events', eventRoutes(ctx));
  app.route('/api', api);
  return app;
}

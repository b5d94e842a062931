/** Counts and times every HTTP request by its route pattern (never its raw path: ids would explode the series). */
import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import type { CloudMetrics } from '../metrics/cloud-metrics.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function countRequests(metrics: CloudMetrics) {
  return createMiddleware(async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const method = METHODS.has(c.req.method) ? c.req.method : 'OTHER';
      // The pattern of the last handler matched; when that is a middleware's, no route took it.
      const matched = routePath(c, -1);
      const route = matched.endsWith('*') ? 'unmatched' : matched;
      metrics.httpRequests.inc({ method, route, status: String(c.res.status) });
      metrics.httpSeconds.observe({ method, route }, (performance.now() - started) / 1000);
    }
  });
}

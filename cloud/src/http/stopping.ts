/**
 * An instance that has been told to stop: its readiness says `stopping` (a load balancer sends
 * elsewhere), a request that comes in now is a 503 `unavailable` with `Connection: close` (one in
 * flight is finished, and its connection closed after it), and the live streams end so that their
 * clients reconnect to another instance with `Last-Event-ID`. The liveness check still answers:
 * the process is alive until it exits.
 */
import type { MiddlewareHandler } from 'hono';
import { errorBody } from './errors.js';

export class Stopping {
  private readonly listeners = new Set<() => void>();
  private started = false;

  get active(): boolean {
    return this.started;
  }

  begin(): void {
    if (this.started) return;
    this.started = true;
    for (const listener of [...this.listeners]) listener();
    this.listeners.clear();
  }

  /** Calls `listener` once stopping begins (at once if it has); returns how to take it back. */
  onBegin(listener: () => void): () => void {
    if (this.started) {
      listener();
      return () => {};
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

const STILL_ANSWERED = new Set(['/healthz', '/readyz']);

export function refuseWhileStopping(stopping: Stopping): MiddlewareHandler {
  return async (c, next) => {
    if (stopping.active && !STILL_ANSWERED.has(c.req.path)) {
      return c.json(errorBody('unavailable', 'this instance is stopping; send the request again'), 503, {
        Connection: 'close',
        'Retry-After': '1',
      });
    }
    await next();
    if (stopping.active) c.header('Connection', 'close');
  };
}

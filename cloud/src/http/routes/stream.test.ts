import { OpenAPIHono } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainContext } from '../../../test/support/domain.js';
import { registerFacility } from '../../domain/facilities.js';
import { GateStatus } from '../../gateway/gate-status.js';
import type { Env } from '../auth.js';
import { errorHandler } from '../errors.js';
import { streamRoutes } from './stream.js';

describe('the stream', () => {
  let env: Awaited<ReturnType<typeof domainContext>>;
  let app: OpenAPIHono<Env>;

  beforeAll(async () => {
    env = await domainContext();
    for (const name of ['A', 'B', 'C', 'D']) await registerFacility(env.ctx, { name });
    const status = new GateStatus({
      mqtt: { isConnected: true, subscribe: async () => {}, publish: async () => {} },
      gates: { get: async () => undefined } as never,
      log: env.ctx.log,
      now: () => new Date().toISOString(),
      onUnreadable: () => {},
    });
    app = new OpenAPIHono<Env>();
    app.onError(errorHandler(env.ctx.log));
    app.use(async (c, next) => {
      c.set('actor', { role: 'staff', account: { id: 'opr_x', name: 'operator', role: 'viewer' } });
      await next();
    });
    app.route('/stream', streamRoutes(env.ctx, { status, clock: env.ctx.clock, maxReplay: 2 }));
  });
  afterAll(async () => env?.close());

  const first = async (headers: Record<string, string>) => {
    const controller = new AbortController();
    const response = await app.request('/stream', { headers, signal: controller.signal });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('\n\n')) text += (await reader.read()).value ?? '';
    controller.abort();
    await reader.cancel().catch(() => undefined);
    return text.slice(0, text.indexOf('\n\n'));
  };

  it('tells a client too far behind to reload, at the head', async () => {
    expect(await first({ 'last-event-id': '0' })).toBe('event: reset\ndata: {"lastSeq":4}\nid: 4');
  });

  it('tells a client ahead of the log (restored, or reset) to reload', async () => {
    expect(await first({ 'last-event-id': '999' })).toBe('event: reset\ndata: {"lastSeq":4}\nid: 4');
  });

  it('replays a gap it may', async () => {
    expect(await first({ 'last-event-id': '2' })).toMatch(/^event: domain\ndata: \{"seq":3,.*\nid: 3$/s);
  });
});

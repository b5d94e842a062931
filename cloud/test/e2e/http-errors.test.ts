/** The HTTP contract's errors: one JSON shape, the right status, never a 500 for bad input. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../src/testing/cloud.js';

describe('HTTP errors', () => {
  let t: TestCloud;
  let site: Awaited<ReturnType<TestCloud['api']['seedFacility']>>;
  let alice: { id: string; token: string };
  let bob: { id: string; token: string };

  beforeAll(async () => {
    t = await startTestCloud();
    site = await t.api.seedFacility(['E-1', 'E-2']);
    alice = await t.api.member('Alice', ['AL1CE']);
    bob = await t.api.member('Bob', ['B0B']);
  });
  afterAll(async () => t?.close());

  it('401 without a token or with a wrong one, before the domain is reached', async () => {
    for (const token of [null, 'not-a-real-token']) {
      const res = await t.api.call('POST', '/api/facilities', { token, body: { name: 'x' } });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: 'unauthorized', message: expect.any(String) });
    }
    const facilities = await t.cloud.ctx.db.selectFrom('facilities').select('id').execute();
    expect(facilities).toHaveLength(1);
  });

  it('400 for JSON that does not parse or validate', async () => {
    const cases = [
      { path: '/api/facilities', rawBody: '{"name":' },
      { path: '/api/facilities', body: { name: '' } },
      { path: `/api/facilities/${site.facility.id}/spaces`, body: { label: 'X' } },
      { path: `/api/facilities/${site.facility.id}/gates`, body: { name: 'g', direction: 'sideways' } },
      { path: '/api/members', body: { name: 'n', plates: [] } },
      { path: '/api/members', body: { name: 'n', plates: ['AB 12'], rfidTags: ['xyz'] } },
      // A lone surrogate, spelled as JSON allows: 400, not stored as U+FFFD.
      { path: '/api/members', rawBody: '{"name":"A\\ud800B","plates":["AB12"]}' },
      { path: '/api/facilities', rawBody: '{"name":"ok","\\udc00":1}' },
    ];
    for (const c of cases) {
      const res = await t.api.call('POST', c.path, c);
      expect({ path: c.path, status: res.status }).toEqual({ path: c.path, status: 400 });
      expect(res.body).toMatchObject({
        error: expect.stringMatching(/malformed_json|validation_failed/),
        message: expect.any(String),
      });
    }
    const bad = await t.api.call('POST', '/api/reservations', {
      token: alice.token,
      body: { spaceId: site.spaces[0].id, plate: 'B0B' },
    });
    expect(bad).toMatchObject({ status: 400, body: { error: 'unknown_plate' } });
    const noFacility = await t.api.call('GET', '/api/schedule');
    expect(noFacility.status).toBe(400);
  });

  it('403 when a member acts on what is not theirs or on operator calls', async () => {
    const r = await t.api.reserve(alice.token, site.spaces[0].id, 'AL1CE');
    expect((await t.api.call('POST', `/api/reservations/${r.id}/cancel`, { token: bob.token })).status).toBe(
      403,
    );
    expect((await t.api.call('GET', `/api/reservations/${r.id}`, { token: bob.token })).status).toBe(403);
    expect(
      (await t.api.call('POST', '/api/facilities', { token: bob.token, body: { name: 'x' } })).status,
    ).toBe(403);
    expect((await t.api.call('GET', `/api/members/${alice.id}`, { token: bob.token })).status).toBe(403);
    const self = await t.api.call('GET', `/api/members/${alice.id}`, { token: alice.token });
    expect(self).toMatchObject({
      status: 200,
      body: { plates: ['AL1CE'], activeReservations: [{ id: r.id }] },
    });
    // The reservation is untouched by the refused cancel.
    expect((await t.api.call('GET', `/api/reservations/${r.id}`, { token: alice.token })).body.status).toBe(
      'reserved',
    );
  });

  it('404 for what does not exist', async () => {
    expect(
      (await t.api.call('POST', '/api/facilities/fac_nope/spaces', { body: { label: 'Z', floor: 1 } })).body
        .error,
    ).toBe('facility_not_found');
    expect((await t.api.call('POST', '/api/reservations/res_nope/cancel')).status).toBe(404);
    expect(
      (
        await t.api.call('POST', '/api/reservations', {
          token: bob.token,
          body: { spaceId: 'spc_nope', plate: 'B0B' },
        })
      ).status,
    ).toBe(404);
    expect((await t.api.call('GET', '/api/schedule?facilityId=fac_nope')).status).toBe(404);
    expect((await t.api.call('GET', '/api/nothing-here')).status).toBe(404);
  });

  it('409 for a taken space, a taken label, a taken plate and a reservation that cannot be cancelled', async () => {
    const taken = await t.api.call('POST', '/api/reservations', {
      token: bob.token,
      body: { spaceId: site.spaces[0].id, plate: 'B0B' },
    });
    expect(taken).toMatchObject({ status: 409, body: { error: 'space_unavailable' } });
    const label = await t.api.call('POST', `/api/facilities/${site.facility.id}/spaces`, {
      body: { label: 'E-1', floor: 1 },
    });
    expect(label).toMatchObject({ status: 409, body: { error: 'space_label_taken' } });
    const plate = await t.api.call('POST', '/api/members', { body: { name: 'Copy', plates: ['al-1ce'] } });
    expect(plate).toMatchObject({ status: 409, body: { error: 'credential_taken' } });
    const r = await t.api.reserve(bob.token, site.spaces[1].id, 'B0B');
    await t.api.expect(200, 'POST', `/api/reservations/${r.id}/cancel`, undefined, bob.token);
    const again = await t.api.call('POST', `/api/reservations/${r.id}/cancel`, { token: bob.token });
    expect(again).toMatchObject({ status: 409, body: { error: 'not_cancellable' } });
  });

  it('413 for a body over the limit', async () => {
    const res = await t.api.call('POST', '/api/facilities', {
      rawBody: JSON.stringify({ name: 'x'.repeat(100_000) }),
    });
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('payload_too_large');
  });

  it('closes the connection after a 413, so that the next request on a keep-alive client is served', async () => {
    const { Agent, request } = await import('node:http');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    // A body is sent with its length, or chunked (as a stream of unknown length is).
    const send = (body: string | Buffer, chunked = false) =>
      new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
        const req = request(
          `${t.cloud.httpUrl}/api/facilities`,
          {
            method: 'POST',
            agent,
            headers: {
              authorization: `Bearer ${t.cloud.operatorToken}`,
              'content-type': 'application/json',
              ...(chunked ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
          },
        );
        req.on('error', reject);
        if (!chunked) return void req.end(body);
        const bytes = Buffer.from(body);
        for (let i = 0; i < bytes.length; i += 65_536) req.write(bytes.subarray(i, i + 65_536));
        req.end();
      });
    try {
      const big = await send(JSON.stringify({ name: 'x'.repeat(200_000) }));
      expect(big).toEqual({ status: 413, connection: 'close' });
      for (let i = 0; i < 3; i++)
        expect((await send(JSON.stringify({ name: `after ${i}` }))).status).toBe(201);
      // 20 MB, sized and chunked: a readable 413 (it was a hung-up socket), then service as usual.
      const huge = Buffer.alloc(20_000_000, 0x61);
      expect(await send(huge)).toEqual({ status: 413, connection: 'close' });
      expect(await send(huge, true)).toEqual({ status: 413, connection: 'close' });
      expect((await send(JSON.stringify({ name: 'after the huge ones' }))).status).toBe(201);
    } finally {
      agent.destroy();
    }
  });

  it('health and readiness', async () => {
    expect(await t.api.call('GET', '/healthz', { token: null })).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
    expect(await t.api.call('GET', '/readyz', { token: null })).toMatchObject({
      status: 200,
      body: { status: 'ready', checks: { database: true, broker: true } },
    });
  });
});

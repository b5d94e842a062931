/**
 * Property-based fuzzing of every HTTP route (the 11 of the API) over real HTTP: generated bodies (any JSON, text that is
 * not JSON, and objects with the fields the routes read, holding values of any type) and generated
 * path and query parameters. For every request: never a 5xx, an error is the JSON `{error, message}`,
 * and a rejected request changes nothing in the database. `PARKING_FUZZ_RUNS` sets the cases per route.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../src/testing/cloud.js';
import { FUZZ_RUNS, fuzzTimeout } from './runs.js';

const TABLES = [
  'facilities',
  'spaces',
  'gates',
  'members',
  'member_credentials',
  'reservations',
  'event_log',
] as const;

describe('HTTP fuzz', () => {
  let t: TestCloud;
  let site: Awaited<ReturnType<TestCloud['api']['seedFacility']>>;
  let member: { id: string; token: string };

  beforeAll(async () => {
    t = await startTestCloud();
    site = await t.api.seedFacility(['F-1', 'F-2']);
    member = await t.api.member('Fuzz', ['FZ1234']);
  });
  afterAll(async () => t?.close());

  const counts = async () => {
    const out: Record<string, number> = {};
    for (const table of TABLES) {
      const row = await t.cloud.ctx.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      out[table] = Number(row.n);
    }
    return out;
  };

  const anyValue = fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme' }),
    fc.string({ unit: 'binary' }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 5 }),
    fc.jsonValue({ maxDepth: 3 }),
  );
  const fields = ['name', 'label', 'floor', 'direction', 'plates', 'rfidTags', 'spaceId', 'plate'] as const;
  const body = fc.oneof(
    fc.json({ maxDepth: 4 }),
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.dictionary(fc.constantFrom(...fields), anyValue).map((o) => JSON.stringify(o)),
    // Lone surrogates and deep nesting, spelled as JSON text.
    fc.constantFrom('{"name":"\\ud800"}', `{"name":${'['.repeat(2000)}${']'.repeat(2000)}}`),
  );
  const param = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.constantFrom('', '..', '%00', 'res_00000000000000000000', 'spc_\u0000'),
  );

  type Route = { method: 'GET' | 'POST'; path: (p: string) => string; token: () => string | undefined };
  const routes: Record<string, Route> = {
    'POST /api/facilities': { method: 'POST', path: () => '/api/facilities', token: () => undefined },
    'POST /api/facilities/{id}/spaces': {
      method: 'POST',
      path: (p) => `/api/facilities/${p}/spaces`,
      token: () => undefined,
    },
    'POST /api/facilities/{id}/gates': {
      method: 'POST',
      path: (p) => `/api/facilities/${p}/gates`,
      token: () => undefined,
    },
    'POST /api/members': { method: 'POST', path: () => '/api/members', token: () => undefined },
    'POST /api/reservations': { method: 'POST', path: () => '/api/reservations', token: () => member.token },
    'POST /api/reservations/{id}/cancel': {
      method: 'POST',
      path: (p) => `/api/reservations/${p}/cancel`,
      token: () => member.token,
    },
    'GET /api/schedule': {
      method: 'GET',
      path: (p) => `/api/schedule?facilityId=${p}`,
      token: () => member.token,
    },
    'GET /api/events': {
      method: 'GET',
      path: (p) => `/api/events?after=${p}&limit=${p}`,
      token: () => undefined,
    },
    'GET /api/members/{id}': { method: 'GET', path: (p) => `/api/members/${p}`, token: () => member.token },
    'GET /api/facilities/{id}': {
      method: 'GET',
      path: (p) => `/api/facilities/${p}`,
      token: () => undefined,
    },
    'GET /api/reservations/{id}': {
      method: 'GET',
      path: (p) => `/api/reservations/${p}`,
      token: () => member.token,
    },
  };

  for (const [name, route] of Object.entries(routes)) {
    it(
      `${name}: no 5xx, a JSON error, no change when rejected`,
      async () => {
        await fc.assert(
          fc.asyncProperty(body, param, fc.boolean(), async (raw, p, realId) => {
            const id = realId ? site.facility.id : encodeURIComponent(p);
            const before = await counts();
            const res = await t.api.call(route.method, route.path(id), {
              ...(route.method === 'POST' ? { rawBody: raw } : {}),
              ...(route.token() ? { token: route.token() } : {}),
            });
            expect(res.status).toBeLessThan(500);
            if (res.status >= 400) {
              expect(res.body).toMatchObject({ error: expect.any(String), message: expect.any(String) });
              expect(await counts()).toEqual(before);
            }
          }),
          { numRuns: FUZZ_RUNS, endOnFailure: true },
        );
      },
      fuzzTimeout(),
    );
  }
});

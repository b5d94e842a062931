/**
 * Property-based fuzzing of every HTTP route over real HTTP, as the OpenAPI document lists them (a
 * route added is fuzzed without a word here): generated bodies (any JSON, text that is
 * not JSON, and objects with the fields the routes read, holding values of any type) and generated
 * path and query parameters. For every request: never a 5xx, an error is the JSON `{error, message}`,
 * and a rejected request changes nothing in the database. `PARKING_FUZZ_RUNS` sets the cases per route.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
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
  'operator_accounts',
  'gate_commands',
] as const;

/** The routes not fuzzed here: the stream never ends, and the health checks and metrics read nothing they are given. */
const NOT_FUZZED = new Set(['get /api/stream', 'get /healthz', 'get /readyz', 'get /metrics']);

// Started before the tests are collected: the routes to fuzz come from its OpenAPI document.
const t: TestCloud = await startTestCloud();
const site: Awaited<ReturnType<TestCloud['api']['seedFacility']>> = await t.api.seedFacility(['F-1', 'F-2']);
const member: { id: string; token: string } = await t.api.member('Fuzz', ['FZ1234']);

type Route = { method: string; path: (p: string) => string; token: () => string | undefined };
/** Every documented route; an `{id}` takes the generated parameter, and so does every query field. */
const documented = async () => {
  const doc = (await (await fetch(`${t.cloud.httpUrl}/api/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>;
  };
  const routes: Record<string, Route> = {};
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (NOT_FUZZED.has(`${method} ${path}`)) continue;
      const query = (op.parameters ?? []).filter((q) => q.in === 'query').map((q) => q.name);
      routes[`${method.toUpperCase()} ${path}`] = {
        method: method.toUpperCase(),
        path: (p) => {
          const base = path.replace('{id}', p);
          return query.length ? `${base}?${query.map((q) => `${q}=${p}`).join('&')}` : base;
        },
        // A member's own routes take a member's token; the rest the first admin's.
        token: () =>
          path.startsWith('/api/me') || path.startsWith('/api/reservations') ? member.token : undefined,
      };
    }
  }
  return routes;
};
const routes = await documented();

describe('HTTP fuzz', () => {
  afterAll(async () => t.close());

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

  it('covers every documented route', () => {
    expect(Object.keys(routes).length).toBeGreaterThan(25);
  });

  for (const [name, route] of Object.entries(routes)) {
    it(
      `${name}: no 5xx, a JSON error, no change when rejected`,
      async () => {
        await fc.assert(
          fc.asyncProperty(body, param, fc.boolean(), async (raw, p, realId) => {
            const id = realId ? site.facility.id : encodeURIComponent(p);
            const before = await counts();
            const res = await t.api.call(route.method, route.path(id), {
              ...(route.method === 'POST' || route.method === 'PUT' ? { rawBody: raw } : {}),
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

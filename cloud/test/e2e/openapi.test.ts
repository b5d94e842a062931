/** The OpenAPI 3.1 document covers every route with its errors; Swagger UI is served from the package. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../src/testing/cloud.js';

type Operation = {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  parameters?: { in: string; name: string }[];
};

describe('the API document', () => {
  let t: TestCloud;
  let doc: {
    openapi: string;
    paths: Record<string, Record<string, Operation>>;
    components: Record<string, Record<string, unknown>>;
  };

  beforeAll(async () => {
    t = await startTestCloud();
    const response = await fetch(`${t.cloud.httpUrl}/api/openapi.json`);
    expect(response.status).toBe(200);
    doc = (await response.json()) as typeof doc;
  });
  afterAll(async () => t?.close());

  /** The routes a client can call: not middleware, not the document and its viewer, not the live view's files. */
  const page = (path: string) =>
    path.startsWith('/api/docs') || path === '/api/openapi.json' || path === '/' || path.startsWith('/ui/');
  const served = () =>
    t.cloud.httpRoutes
      .filter((r) => r.method !== 'ALL' && !r.path.endsWith('*') && !page(r.path))
      .map((r) => ({ method: r.method.toLowerCase(), path: r.path.replaceAll(/:([^/]+)/g, '{$1}') }));

  it('is OpenAPI 3.1 with a bearer scheme', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('documents every route the app serves, and nothing it does not', () => {
    const routes = served();
    expect(routes.length).toBeGreaterThan(25);
    for (const { method, path } of routes)
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m} ${path}`),
    );
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('gives every route its error responses in the one error shape', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method} ${path}`;
        const statuses = Object.keys(op.responses);
        expect(
          statuses.some((s) => s.startsWith('2')),
          where,
        ).toBe(true);
        const signedIn = (op.security ?? []).length > 0;
        if (signedIn) expect(statuses, where).toEqual(expect.arrayContaining(['401', '503']));
        if (path.includes('{')) {
          expect(statuses, where).toEqual(expect.arrayContaining(['400', '404']));
          expect(
            op.parameters?.filter((p) => p.in === 'path').map((p) => p.name),
            where,
          ).toEqual(['id']);
        }
        if (op.requestBody) expect(statuses, where).toEqual(expect.arrayContaining(['400', '413']));
        for (const status of statuses.filter((s) => !s.startsWith('2'))) {
          expect(op.responses[status]?.content?.['application/json']?.schema, `${where} ${status}`).toEqual({
            $ref: '#/components/schemas/Error',
          });
        }
      }
    }
  });

  it('describes the bodies with the schemas that validate them', () => {
    const create = doc.paths['/api/reservations']!.post!;
    expect(create.requestBody?.content['application/json']?.schema).toMatchObject({
      type: 'object',
      required: ['spaceId', 'plate'],
    });
    const member = doc.paths['/api/members']!.post!.requestBody!.content['application/json']!.schema as {
      properties: Record<string, { maxItems?: number }>;
    };
    expect(member.properties.plates?.maxItems).toBe(10);
    const list = doc.paths['/api/reservations']!.get!;
    expect(list.parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['limit', 'cursor', 'status', 'facilityId']),
    );
  });

  it('serves Swagger UI from the package, needing nothing from elsewhere', async () => {
    const page = await fetch(`${t.cloud.httpUrl}/api/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    for (const src of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      expect(src[1]!.startsWith('/api/docs/'), src[1]).toBe(true);
      expect((await fetch(`${t.cloud.httpUrl}${src[1]}`)).status, src[1]).toBe(200);
    }
    expect((await fetch(`${t.cloud.httpUrl}/api/docs/../../etc/passwd`)).status).toBe(404);
    expect((await fetch(`${t.cloud.httpUrl}/api/docs/package.json`)).status).toBe(404);
  });
});

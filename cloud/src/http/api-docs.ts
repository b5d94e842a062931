/**
 * `/api/openapi.json` (OpenAPI 3.1, generated from the routes' own zod schemas, http/endpoint.ts)
 * and `/api/docs`, Swagger UI served from the swagger-ui-dist package: nothing is fetched from
 * elsewhere, so the page works on a closed network.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from './auth.js';

const require = createRequire(import.meta.url);
const SWAGGER_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>parkinglot API</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css">
<link rel="icon" href="/api/docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', persistAuthorization: true });`;

export const API_INFO = {
  title: 'parkinglot',
  version: '1',
  description:
    'Reservations, gates, members and operator accounts. Every call but the health checks and this document takes `Authorization: Bearer <token>`: an operator account’s, or a member’s. Errors are `{error, message}`; docs/protocol.md has the whole contract.',
};

export function apiDocs(app: OpenAPIHono<Env>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An operator account’s token, or a member’s',
  });
  let document: unknown = null;
  app.get('/api/openapi.json', (c) => {
    // Made on first use, when every route is registered.
    document ??= app.getOpenAPI31Document({ openapi: '3.1.0', info: API_INFO });
    return c.json(document);
  });
  app.get('/api/docs', (c) => c.html(PAGE));
  app.get('/api/docs/init.js', (c) =>
    c.body(INIT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }),
  );
  const cache = new Map<string, Buffer>();
  app.get('/api/docs/:asset', (c) => {
    const name = c.req.param('asset');
    const type = ASSETS[name];
    if (!type) return c.notFound();
    let body = cache.get(name);
    if (!body) {
      body = readFileSync(join(SWAGGER_DIR, name));
      cache.set(name, body);
    }
    return c.body(new Uint8Array(body), 200, {
      'Content-Type': type,
      'Cache-Control': 'public, max-age=86400',
    });
  });
}

/**
 * The live web view at `/`: plain HTML, CSS and three small modules from `cloud/web/`, no build step.
 * The page signs in with an operator token, reads the API, and follows `GET /api/stream`.
 */
import { readFileSync } from 'node:fs';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from './auth.js';

// From src/http or dist/http alike.
const WEB_DIR = new URL('../../web/', import.meta.url);

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/ui/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/ui/picture.js': { file: 'picture.js', type: 'text/javascript; charset=utf-8' },
  '/ui/render.js': { file: 'render.js', type: 'text/javascript; charset=utf-8' },
  '/ui/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

/** Only this origin's script, style and API: nothing inline, nothing from elsewhere. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

export function webView(app: OpenAPIHono<Env>): void {
  for (const [path, { file, type }] of Object.entries(FILES)) {
    const body = readFileSync(new URL(file, WEB_DIR), 'utf8');
    app.get(path, (c) =>
      c.body(body, 200, {
        'Content-Type': type,
        'Content-Security-Policy': CSP,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-cache',
      }),
    );
  }
}

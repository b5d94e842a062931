/**
 * Loads an edge agent's configuration: the JSON file, then PARKING_EDGE_* overrides derived from the
 * schema. Every bad field is reported at once, by its path and its environment variable.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { type EdgeConfig, edgeConfigSchema } from './schema.js';

export class EdgeConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid edge configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'EdgeConfigError';
  }
}

const PREFIX = 'PARKING_EDGE_';

const snake = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

export const envName = (path: readonly (string | number)[]) =>
  PREFIX + path.map((p) => snake(String(p))).join('_');

/** Every leaf path of the schema (objects are walked through their optional/default wrappers). */
export function leafPaths(schema: z.ZodType = edgeConfigSchema, prefix: string[] = []): string[][] {
  let inner: z.ZodType = schema;
  for (;;) {
    if (inner instanceof z.ZodOptional || inner instanceof z.ZodDefault || inner instanceof z.ZodNullable) {
      inner = inner.unwrap() as z.ZodType;
    } else if (inner instanceof z.ZodPipe) {
      inner = inner.in as z.ZodType;
    } else break;
  }
  if (inner instanceof z.ZodObject) {
    return Object.entries(inner.shape).flatMap(([key, child]) =>
      leafPaths(child as z.ZodType, [...prefix, key]),
    );
  }
  return [prefix];
}

function setPath(target: Record<string, unknown>, path: string[], value: string): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node[key] = typeof next === 'object' && next !== null ? { ...next } : {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1)!] = value;
}

export function loadEdgeConfig(options: { file?: string; env?: NodeJS.ProcessEnv } = {}): EdgeConfig {
  const env = options.env ?? process.env;
  let raw: Record<string, unknown> = {};
  if (options.file) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (error) {
      throw new EdgeConfigError([
        `config file ${options.file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      ]);
    }
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new EdgeConfigError([`config file ${options.file}: not JSON (${(error as Error).message})`]);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new EdgeConfigError([`config file ${options.file}: expected a JSON object`]);
    }
  }
  for (const path of leafPaths()) {
    const value = env[envName(path)];
    if (value !== undefined && value !== '') setPath(raw, path, value);
  }
  const parsed = edgeConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new EdgeConfigError(
      parsed.error.issues.map((issue) => {
        const path = issue.path.map(String);
        const where = path.length > 0 ? `${path.join('.')} (${envName(path)})` : 'config';
        return `${where}: ${issue.message}`;
      }),
    );
  }
  return parsed.data;
}

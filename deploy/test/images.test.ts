/**
 * deploy/*.Dockerfile checked without a docker engine: each is a build stage and a small final stage
 * that runs as a user other than root; the build stage runs only commands that CI also runs outside
 * docker (`npm ci` in .ci/run, `npm run build` before this workspace's tests, scripts/package.mjs in
 * built.test.ts, which also runs each HEALTHCHECK); every workspace's manifest is copied in before
 * `npm ci`; and every setting an image passes is one its program reads.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV_NAMES } from '@parkinglot/cloud';
import { envName, leafPaths } from '@parkinglot/edge';
import { describe, expect, it } from 'vitest';
import { DEPLOY, dockerfile, instructions, REPO_ROOT } from './dockerfiles.js';

const IMAGES = [
  { file: 'cloud.Dockerfile', program: 'cloud', settings: new Set(Object.values(ENV_NAMES)) },
  {
    file: 'edge.Dockerfile',
    program: 'edge',
    settings: new Set([...leafPaths().map(envName), 'PARKING_EDGE_CONFIG']),
  },
];
const workspaces: string[] = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).workspaces;

describe.each(IMAGES)('deploy/$file', ({ file, program, settings }) => {
  const image = dockerfile(file);
  const [build, final] = image.stages;

  it('builds in one stage and runs from a slim one, as a user other than root', () => {
    expect(image.stages).toHaveLength(2);
    expect(build!.from).toMatch(/^node:20-bookworm$/);
    // The same Debian release in both stages: the binding compiled in one loads in the other.
    expect(final!.from).toBe('node:20-bookworm-slim');
    const user = final!.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(final!.instructions.filter((i) => i.keyword === 'RUN')).toEqual([]);
    expect(image.healthcheck.length).toBeGreaterThan(0);
    expect(image.cmd).toEqual(['node', `${program}/dist/main.js`]);
  });

  it('runs only what CI runs outside docker', () => {
    const runs = build!.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs).toEqual(['npm ci', 'npm run build', `node scripts/package.mjs ${program} /app`]);
    expect(readFileSync(join(REPO_ROOT, '.ci', 'run'), 'utf8')).toMatch(/^npm ci\b/m);
    const turbo = JSON.parse(readFileSync(join(REPO_ROOT, 'turbo.json'), 'utf8'));
    expect(turbo.tasks['@parkinglot/deploy#test'].dependsOn).toContain('^build');
    // What the image copies out of the build stage is what package.mjs made.
    const copies = final!.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    expect(copies).toEqual([
      '--from=build /app /app',
      '--from=build --chown=node:node /app/state /app/state',
    ]);
  });

  it('copies every workspace manifest in before npm ci', () => {
    const steps = build!.instructions;
    const install = steps.findIndex((i) => i.keyword === 'RUN' && i.args === 'npm ci');
    const copied = steps
      .slice(0, install)
      .filter((i) => i.keyword === 'COPY')
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(copied).toEqual([
      'package.json',
      'package-lock.json',
      ...workspaces.map((w) => `${w}/package.json`),
    ]);
  });

  it('passes only settings its program reads', () => {
    const env = final!.instructions
      .filter((i) => i.keyword === 'ENV')
      .flatMap((i) => [...i.args.matchAll(/([A-Z_][A-Z0-9_]*)=/g)].map((m) => m[1]!));
    for (const name of env.filter((n) => n.startsWith('PARKING_'))) expect(settings, name).toContain(name);
  });
});

describe('the build context', () => {
  it('leaves dependencies, build output and local data out', () => {
    const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['**/node_modules', '**/dist', '**/data', '.git']) expect(ignored).toContain(entry);
  });

  it('reads instructions as docker does: continuations joined, comments dropped', () => {
    expect(instructions('# c\nFROM a AS b\nENV A=1 \\\n    B=2\n\nRUN x')).toEqual([
      { keyword: 'FROM', args: 'a AS b' },
      { keyword: 'ENV', args: 'A=1 B=2' },
      { keyword: 'RUN', args: 'x' },
    ]);
    expect(existsSync(join(DEPLOY, 'edge', 'parkinglot-edge.service'))).toBe(true);
  });
});

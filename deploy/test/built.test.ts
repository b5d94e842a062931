/**
 * The programs as the images hold them: `npm run build` (turbo builds every workspace before this
 * test), then scripts/package.mjs makes the cloud's and the agent's production trees, and they run
 * with plain node: no TypeScript loader, no dev dependency. A car is let in and out through them,
 * and each image's HEALTHCHECK command is run against the program it checks.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkEventCounts,
  runScenario,
  type SiteRun,
  STANDARD_CAST,
  scenarioGates,
  startSite,
} from '@parkinglot/firmware-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerfile, REPO_ROOT } from './dockerfiles.js';

const packaged = mkdtempSync(join(tmpdir(), 'parkinglot-packaged-'));
const programs = { cloud: join(packaged, 'cloud'), edge: join(packaged, 'edge') };

/** Runs an image's HEALTHCHECK command in `cwd` with `env`, as the container runtime would. */
function healthcheck(file: string, cwd: string, env: Record<string, string>) {
  const [command, ...args] = dockerfile(file).healthcheck;
  const { NODE_OPTIONS: _loader, ...inherited } = process.env;
  return spawnSync(command!, args, { cwd, env: { ...inherited, ...env }, encoding: 'utf8', timeout: 10_000 });
}

describe('the built programs', () => {
  let run: SiteRun;

  beforeAll(() => {
    for (const [program, dir] of Object.entries(programs)) {
      const made = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'package.mjs'), program, dir], {
        encoding: 'utf8',
      });
      if (made.status !== 0) throw new Error(`packaging ${program} failed:\n${made.stderr}`);
    }
  }, 120_000);
  afterAll(async () => {
    await run?.close();
    rmSync(packaged, { recursive: true, force: true });
  });

  it('hold production dependencies only', () => {
    for (const dir of Object.values(programs)) {
      for (const dev of ['tsx', 'vitest', 'typescript', 'turbo', '@biomejs', 'kubernetes-models'])
        expect(existsSync(join(dir, 'node_modules', dev)), `${dev} in ${dir}`).toBe(false);
      expect(existsSync(join(dir, 'state'))).toBe(true);
    }
    // Only the workspaces each program is made of.
    expect(existsSync(join(programs.cloud, 'edge'))).toBe(false);
    expect(existsSync(join(programs.edge, 'cloud'))).toBe(false);
    expect(existsSync(join(programs.cloud, 'cloud', 'web', 'index.html'))).toBe(true);
  });

  it('let a car in and out, and pass their images’ health checks', async () => {
    const cast = STANDARD_CAST.filter((car) => car.name === 'Kim Minji');
    run = await startSite({ cast, programs, armTravelMs: 300 });
    const outcomes = await runScenario(run.cloud, scenarioGates(run), cast);
    expect(outcomes.map((o) => o.problem ?? 'ok')).toEqual(['ok']);
    expect(outcomes[0]).toMatchObject({ entry: 'admitted', exited: true });
    await run.cloud.gateOutboxEmpty(run.site.entry.id, 10_000);
    await run.cloud.catchUp();
    expect(checkEventCounts(run.cloud, cast)).toEqual([]);

    const cloudPort = new URL(run.cloud.httpUrl).port;
    const cloudHealth = healthcheck('cloud.Dockerfile', programs.cloud, { PARKING_HTTP_PORT: cloudPort });
    expect(cloudHealth.status, cloudHealth.stderr).toBe(0);
    const entryConfig = join(run.dataDir, 'edge-entry', 'gate.json');
    const edgeHealth = healthcheck('edge.Dockerfile', programs.edge, { PARKING_EDGE_CONFIG: entryConfig });
    expect(edgeHealth.stdout.trim()).toBe('alive');
    expect(edgeHealth.status).toBe(0);
    // A port nobody listens on, a configuration whose agent never ran: both unhealthy.
    expect(healthcheck('cloud.Dockerfile', programs.cloud, { PARKING_HTTP_PORT: '1' }).status).toBe(1);
    const stranger = JSON.parse(readFileSync(entryConfig, 'utf8'));
    const never = healthcheck('edge.Dockerfile', programs.edge, {
      PARKING_EDGE_CONFIG: entryConfig,
      PARKING_EDGE_DATA_DIR: join(packaged, 'nobody', stranger.gateId),
    });
    expect(never.status).toBe(1);
    expect(never.stdout).toMatch(/no liveness file/);
  }, 90_000);
});

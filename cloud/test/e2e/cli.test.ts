/** The maintenance CLI as an operator runs it: a real process on a real data directory. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../src/testing/cloud.js';

const cloudDir = join(import.meta.dirname, '..', '..');
const cli = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: cloudDir,
    env: { ...process.env, PARKING_LOG_LEVEL: 'error', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });

describe('parkinglot cloud CLI', () => {
  let t: TestCloud;
  let before: unknown[];

  beforeAll(async () => {
    t = await startTestCloud();
    const site = await t.api.seedFacility(['C-1', 'C-2']);
    const m = await t.api.member('Cli', ['CL1']);
    await t.api.reserve(m.token, site.spaces[1].id, 'CL1');
    await t.cloud.projector.catchUp();
    before = await t.cloud.ctx.db.selectFrom('schedule_spaces').selectAll().orderBy('space_id').execute();
    await t.down();
  });
  afterAll(async () => t?.close().catch(() => undefined));

  it('rebuilds the schedule from sequence 0 and prints what it did', async () => {
    const result = cli(['rebuild-schedule'], {
      PARKING_DATA_DIR: t.dataDir,
      PARKING_DATABASE_URL: t.config.databaseUrl,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/rebuilding the schedule from \d+ events/);
    expect(result.stdout).toMatch(/schedule rebuilt: \d+ events in \d+ ms/);
    await t.restart();
    const after = await t.cloud.ctx.db
      .selectFrom('schedule_spaces')
      .selectAll()
      .orderBy('space_id')
      .execute();
    expect(after).toEqual(before);
  });

  it('verifies the read model against a rebuild while the cloud runs, and names a space that differs', async () => {
    const env = { PARKING_DATA_DIR: t.dataDir, PARKING_DATABASE_URL: t.config.databaseUrl };
    const same = cli(['verify-schedule'], env);
    expect(same.stdout).toMatch(
      /the schedule \(2 spaces\) matches a rebuild from the event log up to seq \d+/,
    );
    expect(same.status).toBe(0);
    // A read model changed behind the projector's back.
    const space = (before as { space_id: string; status: string }[]).find((s) => s.status === 'available');
    await t.cloud.ctx.db
      .updateTable('schedule_spaces')
      .set({ status: 'occupied' })
      .where('space_id', '=', space!.space_id)
      .execute();
    const differs = cli(['verify-schedule'], env);
    expect(differs.stdout).toContain(`space ${space!.space_id}: status occupied vs rebuilt available`);
    expect(differs.stdout).toMatch(/1 space\(s\) differ/);
    expect(differs.status).toBe(1);
  });

  it('prints its usage and exits 2 for an unknown command', () => {
    const result = cli(['frobnicate'], { PARKING_DATA_DIR: t.dataDir });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/usage: .*rebuild-schedule/);
  });
});

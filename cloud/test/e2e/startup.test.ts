/** Start-up failures: one clear line naming the setting, and a non-zero exit from the real process. */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quietLogger } from '@parkinglot/platform/log';
import { freePort } from '@parkinglot/platform/net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCloud } from '../../src/server.js';
import { testConfig } from '../../src/testing/cloud.js';

const cloudDir = join(import.meta.dirname, '..', '..');

function runMain(env: Record<string, string>) {
  return spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts'], {
    cwd: cloudDir,
    env: { ...process.env, PARKING_LOG_LEVEL: 'error', ...env },
    encoding: 'utf8',
    timeout: 15_000,
  });
}

describe('start-up errors', () => {
  let blocker: Server;
  let busyPort: number;
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'parkinglot-start-'));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    busyPort = (blocker.address() as { port: number }).port;
  });
  afterAll(() => {
    blocker.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('names the HTTP port that is in use', async () => {
    const config = testConfig(tempDir(), { httpPort: busyPort });
    await expect(startCloud(config, { log: quietLogger() })).rejects.toThrow(
      `PARKING_HTTP_PORT ${busyPort} on 127.0.0.1 is already in use`,
    );
  });

  it('names the MQTT port that is in use', async () => {
    const config = testConfig(tempDir(), { mqttPort: busyPort });
    await expect(startCloud(config, { log: quietLogger() })).rejects.toThrow(/PARKING_MQTT_PORT.*in use/);
  });

  it.skipIf(process.getuid?.() === 0)('names a data directory it cannot write', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o500);
    await expect(startCloud(testConfig(join(dir, 'sub')), { log: quietLogger() })).rejects.toThrow(
      /PARKING_DATA_DIR .* is not writable/,
    );
  });

  it('exits non-zero with one line for a data directory under a file', () => {
    const result = runMain({
      PARKING_DATA_DIR: '/dev/null/data',
      PARKING_HTTP_PORT: '0',
      PARKING_MQTT_PORT: '0',
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(/^parkinglot: PARKING_DATA_DIR \/dev\/null\/data is not writable/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits non-zero with one line for a configured port in use', () => {
    const result = runMain({
      PARKING_HTTP_PORT: String(busyPort),
      PARKING_MQTT_PORT: '0',
      PARKING_DATA_DIR: tempDir(),
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      `parkinglot: PARKING_HTTP_PORT ${busyPort} on 0.0.0.0 is already in use`,
    );
  });

  it('exits non-zero with one line when the PostgreSQL it is given does not answer', async () => {
    const closed = await freePort();
    const result = runMain({
      PARKING_DATABASE_URL: `postgres://parking:secret-password@127.0.0.1:${closed}/test`,
      PARKING_DATA_DIR: tempDir(),
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      `parkinglot: PARKING_DATABASE_URL: cannot connect to postgres 127.0.0.1:${closed}/test: connect ECONNREFUSED 127.0.0.1:${closed}`,
    );
    expect(result.stderr).not.toContain('secret-password');
  });

  it('exits non-zero with one line per bad setting', () => {
    const result = runMain({ PARKING_HTTP_PORT: '99999', PARKING_DATA_DIR: tempDir() });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^parkinglot: invalid configuration: PARKING_HTTP_PORT \(httpPort\)/);
  });

  // PARKING_MQTT_PORT is left unset, as in the README: 1883, or the next free port when a Mosquitto has it.
  it('starts, prints where it listens and the operator token, and stops on SIGTERM', async () => {
    const { spawn } = await import('node:child_process');
    const dataDir = tempDir();
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts'], {
      cwd: cloudDir,
      env: {
        ...process.env,
        PARKING_DATA_DIR: dataDir,
        PARKING_HTTP_PORT: '0',
        PARKING_MQTT_PORT: '0',
        PARKING_LOG_LEVEL: 'warn',
      },
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    await expect.poll(() => out, { timeout: 15_000 }).toContain('Ctrl-C');
    expect(out).toMatch(/HTTP API +http:\/\/127\.0\.0\.1:\d+\/api/);
    expect(out).toMatch(/MQTT +mqtt:\/\/127\.0\.0\.1:\d+ +\(embedded broker\)/);
    expect(out).toMatch(/operator token +\S{20,} +\(generated now/);
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });
});

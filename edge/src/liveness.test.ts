import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { keepAlive, LIVENESS_STALE_MS, livenessFile, notAlive } from './liveness.js';

describe('the liveness file', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'parkinglot-alive-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('is written at once, and read as alive until it is older than three rewrites', () => {
    const d = dir();
    const stop = keepAlive(
      d,
      () => ({ outboxDepth: 2, cloudConnected: true }),
      () => undefined,
    );
    stop();
    const now = Date.now();
    expect(notAlive(d, now)).toBeNull();
    expect(notAlive(d, now + LIVENESS_STALE_MS + 1_000)).toMatch(/last said it was alive \d+ s ago/);
  });

  it('says why when there is none or it cannot be read', () => {
    const d = dir();
    expect(notAlive(d, 0)).toMatch(/no liveness file/);
    writeFileSync(livenessFile(d), '{"at": 7}');
    expect(notAlive(d, 0)).toMatch(/has no time/);
    writeFileSync(livenessFile(d), 'not json');
    expect(notAlive(d, 0)).toMatch(/is not JSON/);
  });

  it('reports a write it cannot make, and does not throw', () => {
    const errors: unknown[] = [];
    const stop = keepAlive(
      join(dir(), 'missing', 'dir'),
      () => ({ outboxDepth: 0, cloudConnected: false }),
      (e) => errors.push(e),
    );
    stop();
    expect(errors).toHaveLength(1);
  });
});

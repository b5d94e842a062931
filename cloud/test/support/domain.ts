/** A domain context over a real sqlite file, without broker or HTTP: for logic that needs a database. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quietLogger } from '@parkinglot/platform/log';
import { systemClock } from '@parkinglot/platform/time';
import { openDatabase } from '../../src/db/database.js';
import { EventBus } from '../../src/domain/bus.js';
import type { DomainContext, DomainSettings } from '../../src/domain/context.js';

export async function domainContext(settings: Partial<DomainSettings> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'parkinglot-domain-'));
  const log = quietLogger();
  const database = await openDatabase(`sqlite:${join(dir, 'test.sqlite')}`, log);
  const ctx: DomainContext = {
    db: database.db,
    clock: systemClock,
    bus: new EventBus(log),
    log,
    settings: { reservationHoldMs: 15 * 60_000, admissionWindowMs: 120_000, ...settings },
  };
  return {
    ctx,
    async close() {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A domain context over a real sqlite file, without broker or HTTP: for logic that needs a database. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quietLogger } from '@parkinglot/platform/log';
import { systemClock } from '@parkinglot/platform/time';
import { openDatabase } from '../../src/db/database.js';
import { AdmissionView } from '../../src/domain/admission-view.js';
import { EventBus } from '../../src/domain/bus.js';
import type { DomainContext, DomainSettings } from '../../src/domain/context.js';

/** An admin acting in a domain test. */
export const ADMIN = { role: 'staff', account: { id: 'opr_test', name: 'operator', role: 'admin' } } as const;

/** With `admissions`, entry decisions read an AdmissionView kept by the commits, as in the server. */
export async function domainContext(
  settings: Partial<DomainSettings> = {},
  options: { admissions?: boolean } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'parkinglot-domain-'));
  const log = quietLogger();
  const database = await openDatabase(`sqlite:${join(dir, 'test.sqlite')}`, log);
  const bus = new EventBus(log);
  const admissions = options.admissions ? new AdmissionView({ db: database.db, bus, log }) : undefined;
  await admissions?.start();
  const ctx: DomainContext = {
    db: database.db,
    clock: systemClock,
    bus,
    log,
    settings: { reservationHoldMs: 15 * 60_000, admissionWindowMs: 120_000, ...settings },
    ...(admissions ? { admissions } : {}),
  };
  return {
    ctx,
    async close() {
      await admissions?.stop();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

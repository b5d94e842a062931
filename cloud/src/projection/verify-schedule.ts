/**
 * Checks the schedule read model against a rebuild from the event log, without touching either:
 * the log is copied into a scratch sqlite file, projected there by the same projector, and the two
 * schedules compared space by space. Safe while the cloud runs (it only reads), but what it reads
 * must be one moment: with writes in flight the live model may be a few events behind the log it
 * is compared with, so it compares up to the live model's own checkpoint.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@parkinglot/platform/log';
import { systemClock } from '@parkinglot/platform/time';
import type { Kysely } from 'kysely';
import { openDatabase } from '../db/database.js';
import type { Database, ScheduleSpacesTable } from '../db/schema.js';
import { EventBus } from '../domain/bus.js';
import { getCheckpoint } from '../domain/event-log.js';
import { SCHEDULE_CHECKPOINT, ScheduleProjector } from './schedule-projector.js';

export interface ScheduleCheck {
  /** The log position both schedules stand at. */
  seq: number;
  spaces: number;
  /** One line per space that differs; empty when they are equal. */
  differences: string[];
}

const COPY_BATCH = 1_000;

async function schedule(db: Kysely<Database>): Promise<Map<string, ScheduleSpacesTable>> {
  const rows = await db.selectFrom('schedule_spaces').selectAll().orderBy('space_id').execute();
  return new Map(rows.map((r) => [r.space_id, r]));
}

export async function verifySchedule(databaseUrl: string, log: Logger): Promise<ScheduleCheck> {
  const live = await openDatabase(databaseUrl, log);
  const dir = mkdtempSync(join(tmpdir(), 'parkinglot-verify-'));
  const scratch = await openDatabase(`sqlite:${join(dir, 'rebuild.sqlite')}`, log);
  try {
    // The live model and its checkpoint in one read; the rebuild goes exactly that far.
    const { seq, spaces } = await live.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => ({
        seq: await getCheckpoint(trx, SCHEDULE_CHECKPOINT),
        spaces: await schedule(trx),
      }));
    for (let after = 0; ; ) {
      const rows = await live.db
        .selectFrom('event_log')
        .selectAll()
        .where('seq', '>', after)
        .where('seq', '<=', seq)
        .orderBy('seq')
        .limit(COPY_BATCH)
        .execute();
      if (rows.length === 0) break;
      await scratch.db.insertInto('event_log').values(rows).execute();
      after = Number(rows.at(-1)!.seq);
    }
    const projector = new ScheduleProjector({
      db: scratch.db,
      bus: new EventBus(log),
      clock: systemClock,
      log,
    });
    await projector.catchUp();
    const rebuilt = await schedule(scratch.db);
    const differences: string[] = [];
    for (const id of new Set([...spaces.keys(), ...rebuilt.keys()])) {
      const a = spaces.get(id);
      const b = rebuilt.get(id);
      if (!a || !b) {
        differences.push(`space ${id}: ${a ? 'only in the read model' : 'only in the rebuild'}`);
        continue;
      }
      const fields = (Object.keys(a) as (keyof ScheduleSpacesTable)[]).filter(
        (k) => String(a[k]) !== String(b[k]),
      );
      if (fields.length > 0)
        differences.push(`space ${id}: ${fields.map((f) => `${f} ${a[f]} vs rebuilt ${b[f]}`).join(', ')}`);
    }
    return { seq, spaces: spaces.size, differences };
  } finally {
    await scratch.close();
    await live.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sqlite3Dialect } from '@parkinglot/platform/sqlite';
import { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../schema.js';
import * as m001 from './001-initial.js';
import * as m002 from './002-member-lookups.js';
import * as m003 from './003-gate-event-keys.js';

let db: Kysely<Database> | undefined;
afterEach(async () => db?.destroy());

const row = (gateId: string, eventId: string) => ({
  event_id: eventId,
  gate_id: gateId,
  facility_id: 'fac_1',
  type: 'Denied',
  credential_kind: 'plate',
  credential_value: '12가3456',
  reservation_id: null,
  occurred_at: '2026-11-24T08:00:00.000Z',
  received_at: '2026-11-24T08:00:01.000Z',
  outcome: 'recorded' as const,
  anomaly: null,
  payload: '{}',
});

describe('migration 003: gate events keyed by gate and eventId', () => {
  it('keeps every row, and lets two gates use one eventId but not one gate twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parkinglot-m003-'));
    db = new Kysely<Database>({ dialect: new Sqlite3Dialect({ filename: join(dir, 'db.sqlite') }) });
    const raw = db as unknown as Kysely<unknown>;
    await m001.up(raw, { dialect: 'sqlite' });
    await m002.up(raw, { dialect: 'sqlite' });
    await db
      .insertInto('gate_events')
      .values([row('gate_a', 'evt-1'), row('gate_b', 'evt-2')])
      .execute();
    await m003.up(raw, { dialect: 'sqlite' });

    const kept = await db.selectFrom('gate_events').selectAll().orderBy('event_id').execute();
    expect(kept).toEqual([row('gate_a', 'evt-1'), row('gate_b', 'evt-2')]);
    await db.insertInto('gate_events').values(row('gate_b', 'evt-1')).execute();
    await expect(db.insertInto('gate_events').values(row('gate_a', 'evt-1')).execute()).rejects.toMatchObject(
      {
        code: 'SQLITE_CONSTRAINT',
      },
    );
  });
});

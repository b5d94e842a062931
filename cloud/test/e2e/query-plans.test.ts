/**
 * The queries the gates and the API run all the time must find their rows through an index: a scan
 * of sessions, gate events, reservations or the event log grows with every car that ever came.
 * Runs a day's operations on a real sqlite file, captures every statement, and asks sqlite for its
 * plan (EXPLAIN QUERY PLAN) with the same parameters.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quietLogger } from '@parkinglot/platform/log';
import { Sqlite3Dialect } from '@parkinglot/platform/sqlite';
import { systemClock } from '@parkinglot/platform/time';
import { CompiledQuery, Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import type { Database } from '../../src/db/schema.js';
import { decideEntry } from '../../src/domain/authorization.js';
import { EventBus } from '../../src/domain/bus.js';
import type { DomainContext } from '../../src/domain/context.js';
import { addSpace, registerFacility, registerGate } from '../../src/domain/facilities.js';
import { ingestGateEvents } from '../../src/domain/ingestion.js';
import { getMember, registerMember } from '../../src/domain/members.js';
import { cancel, expireDue, reserve } from '../../src/domain/reservations.js';
import { ADMIN } from '../support/domain.js';

/** Tables that grow with traffic or with the site: no statement may scan them. */
const GROWING = [
  'parking_sessions',
  'gate_events',
  'reservations',
  'event_log',
  'spaces',
  'members',
  'member_credentials',
  'schedule_spaces',
  'gates',
  'facilities',
];

/**
 * A search can still visit far too many rows through the wrong index: statements that name one
 * member or one plate must find its rows by it (not, say, every held reservation by its status).
 */
const MUST_SEEK: { statement: RegExp; plan: RegExp }[] = [
  {
    statement: /from "reservations".*"member_id" = \?/,
    plan: /reservations USING (COVERING )?INDEX \w+ \(member_id=\?/,
  },
  {
    statement: /from "parking_sessions".* "member_id" = \?/,
    plan: /parking_sessions USING (COVERING )?INDEX \w+ \(member_id=\?/,
  },
];

describe('query plans', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parkinglot-plans-'));
  const statements: CompiledQuery[] = [];
  let db: Kysely<Database>;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const file = join(dir, 'plans.sqlite');
    const migrated = await openDatabase(`sqlite:${file}`, quietLogger());
    await migrated.close();
    db = new Kysely<Database>({
      dialect: new Sqlite3Dialect({ filename: file }),
      log: (event) => {
        if (event.level === 'query') statements.push(event.query);
      },
    });
    close = () => db.destroy();
  });
  afterAll(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads and updates the growing tables through indexes only', async () => {
    const log = quietLogger();
    // No AdmissionView: every entry decision reads the database, so its queries are captured too.
    const ctx: DomainContext = {
      db,
      clock: systemClock,
      bus: new EventBus(log),
      log,
      settings: { reservationHoldMs: 15 * 60_000, admissionWindowMs: 60_000 },
    };
    const at = () => new Date().toISOString();
    const facility = await registerFacility(ctx, { name: 'F' });
    const spaces = [
      await addSpace(ctx, facility.id, { label: 'A', floor: '1' }),
      await addSpace(ctx, facility.id, { label: 'B', floor: '1' }),
    ];
    const gateRow = async (direction: 'entry' | 'exit') => {
      const g = await registerGate(ctx, facility.id, { name: direction, direction });
      return db.selectFrom('gates').selectAll().where('id', '=', g.id).executeTakeFirstOrThrow();
    };
    const entry = await gateRow('entry');
    const exit = await gateRow('exit');
    const member = await registerMember(ctx, { name: 'M', plates: ['12가3456'], rfidTags: ['TAG1'] });
    const other = await registerMember(ctx, { name: 'N', plates: ['34나5678'], rfidTags: [] });
    const kept = await reserve(ctx, { memberId: member.id, spaceId: spaces[0]!.id, plate: '12가3456' });
    const dropped = await reserve(ctx, { memberId: other.id, spaceId: spaces[1]!.id, plate: '34나5678' });
    await cancel(ctx, dropped.id, ADMIN);
    const ask = (value: string, kind: 'plate' | 'rfid' = 'plate') =>
      decideEntry(ctx, {
        gateId: entry.id,
        lookupGate: async () => entry,
        payload: JSON.stringify({ requestId: `r-${value}`, credential: { kind, value }, at: at() }),
      });
    expect((await ask('12가3456')).decision).toBe('allow');
    expect((await ask('34나5678')).decision).toBe('deny');
    expect((await ask('UNKNOWN1')).decision).toBe('deny');
    const send = (gate: typeof entry, events: Record<string, unknown>[]) =>
      ingestGateEvents(
        ctx,
        gate,
        JSON.stringify({
          events: events.map((e, i) => ({
            eventId: `${gate.id}-${e.type}-${i}-${Math.random()}`,
            at: at(),
            ...e,
          })),
        }),
      );
    await send(entry, [
      { type: 'Started', credential: { kind: 'plate', value: '12가3456' }, requestId: 'r-12가3456' },
    ]);
    expect((await ask('TAG1', 'rfid')).decision).toBe('deny');
    await getMember(ctx, member.id);
    // An exit on the tag (matched through its owner), an Ended before its Started (reconciled), a Denied.
    await send(exit, [{ type: 'Ended', credential: { kind: 'rfid', value: 'TAG1' } }]);
    await send(exit, [{ type: 'Ended', credential: { kind: 'plate', value: '34나5678' } }]);
    await send(entry, [
      { type: 'Started', credential: { kind: 'plate', value: '34나5678' } },
      { type: 'Denied', credential: { kind: 'plate', value: 'UNKNOWN1' }, reason: 'no_reservation' },
    ]);
    await expireDue(ctx);
    expect(kept.id).toBeTruthy();

    const scans: string[] = [];
    const misses: string[] = [];
    const checked = new Set<RegExp>();
    const seen = new Set<string>();
    for (const query of statements) {
      if (!/^\s*(select|update|delete)/i.test(query.sql) || seen.has(query.sql)) continue;
      seen.add(query.sql);
      const plan = await db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]),
      );
      for (const { detail } of plan.rows) {
        const scanned = /^SCAN (\w+)/.exec(detail)?.[1];
        if (scanned && GROWING.includes(scanned)) scans.push(`${detail}\n    in: ${query.sql}`);
      }
      const details = plan.rows.map((r) => r.detail).join(' | ');
      for (const { statement, plan: wanted } of MUST_SEEK) {
        if (!statement.test(query.sql)) continue;
        checked.add(statement);
        if (!wanted.test(details)) misses.push(`${details}\n    in: ${query.sql}`);
      }
    }
    expect(seen.size).toBeGreaterThan(20);
    expect(scans).toEqual([]);
    expect(misses).toEqual([]);
    expect(checked.size, 'every MUST_SEEK rule met a statement').toBe(MUST_SEEK.length);
  });
});

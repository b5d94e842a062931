/**
 * The live view's picture (cloud/web/picture.js) applies domain events as the schedule projector
 * does: after a random day, both say the same of every space. And a snapshot plus a replay of events
 * it already holds (what the page does after a reload) changes nothing.
 */
import { quietLogger } from '@parkinglot/platform/log';
import { systemClock } from '@parkinglot/platform/time';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ADMIN, domainContext } from '../../test/support/domain.js';
import { prng } from '../../test/support/random.js';
import { applyEvent, emptyPicture, type Picture, spaceFrom } from '../../web/picture.js';
import { readEventsAfter } from '../domain/event-log.js';
import { addSpace, registerFacility, registerGate, retireSpace } from '../domain/facilities.js';
import { ingestGateEvents } from '../domain/ingestion.js';
import { registerMember } from '../domain/members.js';
import { cancel, expireDue, reserve } from '../domain/reservations.js';
import { iso } from '../util/time.js';
import { ScheduleProjector } from './schedule-projector.js';

describe('the live view’s picture', () => {
  let env: Awaited<ReturnType<typeof domainContext>>;

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 11, 1, 8) });
    env = await domainContext({ reservationHoldMs: 30 * 60_000 });
  });
  afterEach(async () => {
    vi.useRealTimers();
    await env.close();
  });

  const view = (picture: Picture) =>
    Object.fromEntries(
      [...picture.facilities.values()].flatMap((f) =>
        [...f.spaces.values()].map((s) => [
          s.id,
          { status: s.status, plate: s.plate, reservationId: s.reservationId },
        ]),
      ),
    );

  it('says what the projected schedule says after a random day, and a replay changes nothing', async () => {
    const { ctx } = env;
    const facility = await registerFacility(ctx, { name: 'F' });
    const spaces = [];
    for (const label of ['A1', 'A2', 'A3', 'A4', 'A5'])
      spaces.push(await addSpace(ctx, facility.id, { label, floor: '1' }));
    const gateRow = async (direction: 'entry' | 'exit') => {
      const g = await registerGate(ctx, facility.id, { name: direction, direction });
      return ctx.db.selectFrom('gates').selectAll().where('id', '=', g.id).executeTakeFirstOrThrow();
    };
    const [entry, exit] = [await gateRow('entry'), await gateRow('exit')];
    const members = [
      await registerMember(ctx, { name: 'M1', plates: ['11가1111'], rfidTags: [] }),
      await registerMember(ctx, { name: 'M2', plates: ['22나2222'], rfidTags: [] }),
      await registerMember(ctx, { name: 'M3', plates: ['33다3333'], rfidTags: [] }),
    ];
    const random = prng(20261201);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    const reservations: string[] = [];
    let n = 0;
    const send = (gate: typeof entry, type: string, plate: string) =>
      ingestGateEvents(
        ctx,
        gate,
        JSON.stringify({
          eventId: `evt-${++n}`,
          type,
          credential: { kind: 'plate', value: plate },
          at: iso(Date.now()),
        }),
      );
    for (let step = 0; step < 300; step++) {
      const roll = random();
      const member = pick(members);
      if (roll < 0.3) {
        const made = await reserve(ctx, {
          memberId: member.id,
          spaceId: pick(spaces).id,
          plate: member.plates[0]!,
        }).catch(() => null);
        if (made) reservations.push(made.id);
      } else if (roll < 0.4 && reservations.length > 0) {
        await cancel(ctx, pick(reservations), ADMIN).catch(() => null);
      } else if (roll < 0.6) {
        await send(entry, 'Started', member.plates[0]!);
      } else if (roll < 0.8) {
        await send(exit, 'Ended', member.plates[0]!);
      } else if (roll < 0.83) {
        await retireSpace(ctx, pick(spaces).id).catch(() => null);
      } else {
        vi.setSystemTime(Date.now() + Math.floor(random() * 20 * 60_000));
        await expireDue(ctx);
      }
    }
    const projector = new ScheduleProjector({
      db: ctx.db,
      bus: ctx.bus,
      clock: systemClock,
      log: quietLogger(),
    });
    await projector.rebuild();
    const rows = await ctx.db.selectFrom('schedule_spaces').selectAll().execute();
    const expected = Object.fromEntries(
      rows.map((r) => [r.space_id, { status: r.status, plate: r.plate, reservationId: r.reservation_id }]),
    );
    expect(Object.values(expected).map((s) => s.status)).toEqual(expect.arrayContaining(['available']));

    // From nothing but the facility, every event in order.
    const events = await readEventsAfter(ctx.db, 0, 100_000);
    const picture = emptyPicture();
    picture.facilities.set(facility.id, { id: facility.id, name: 'F', spaces: new Map(), gates: new Map() });
    for (const event of events) applyEvent(picture, event);
    expect(view(picture)).toEqual(expected);

    // A snapshot (the schedule) followed by a replay of events it already holds, from any point.
    for (const from of [0, Math.floor(events.length / 2), events.length - 5]) {
      const snapshot = emptyPicture();
      snapshot.facilities.set(facility.id, {
        id: facility.id,
        name: 'F',
        spaces: new Map(
          rows.map((r) => [
            r.space_id,
            spaceFrom({
              id: r.space_id,
              label: r.label,
              floor: r.floor,
              status: r.status,
              reservationId: r.reservation_id,
              plate: r.plate,
              sessionId: r.session_id,
            }),
          ]),
        ),
        gates: new Map(),
      });
      for (const event of events.slice(from)) applyEvent(snapshot, event);
      expect(view(snapshot), `replayed from event ${from}`).toEqual(expected);
    }
  });
});

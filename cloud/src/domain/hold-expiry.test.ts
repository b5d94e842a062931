import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { domainContext } from '../../test/support/domain.js';
import { decideEntry } from './authorization.js';
import { addSpace, registerFacility, registerGate } from './facilities.js';
import { HoldExpiry } from './hold-expiry.js';
import { registerMember } from './members.js';
import { reserve } from './reservations.js';

describe('reservation hold expiry (domain rule 7)', () => {
  let env: Awaited<ReturnType<typeof domainContext>>;

  beforeEach(async () => {
    // Only time is faked; sqlite's callbacks and promises run for real.
    vi.useFakeTimers({
      toFake: ['Date', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
      now: Date.UTC(2026, 10, 24, 8),
    });
    env = await domainContext({ reservationHoldMs: 15 * 60_000, admissionWindowMs: 60_000 });
  });
  afterEach(async () => {
    vi.useRealTimers();
    await env.close();
  });

  async function setup() {
    const { ctx } = env;
    const facility = await registerFacility(ctx, { name: 'F' });
    const space = await addSpace(ctx, facility.id, { label: 'S1', floor: '1' });
    const gate = await registerGate(ctx, facility.id, { name: 'in', direction: 'entry' });
    const member = await registerMember(ctx, { name: 'M', plates: ['12가3456'], rfidTags: [] });
    const reservation = await reserve(ctx, { memberId: member.id, spaceId: space.id, plate: '12가3456' });
    return { facility, space, gate, member, reservation };
  }

  const statusOf = async (id: string) =>
    (
      await env.ctx.db
        .selectFrom('reservations')
        .select('status')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).status;

  /** Asks at the entry gate, now, for the member's plate. */
  async function askToEnter(gateId: string, requestId: string) {
    const gateRow = await env.ctx.db
      .selectFrom('gates')
      .selectAll()
      .where('id', '=', gateId)
      .executeTakeFirst();
    const payload = JSON.stringify({
      requestId,
      credential: { kind: 'plate', value: '12가3456' },
      at: new Date().toISOString(),
    });
    return decideEntry(env.ctx, { lookupGate: async () => gateRow, gateId, payload });
  }

  it('expires an unused reservation after the hold, on the sweeper interval, and frees the space', async () => {
    const { space, reservation } = await setup();
    const expiry = new HoldExpiry(env.ctx, 10_000);
    expiry.start();

    // Only the interval sweeps here: nothing in this test calls sweep() itself.
    await vi.advanceTimersByTimeAsync(14 * 60_000);
    await expiry.idle();
    expect(await statusOf(reservation.id)).toBe('reserved');

    await vi.advanceTimersByTimeAsync(60_000 + 10_000);
    await expiry.idle();
    expect(await statusOf(reservation.id)).toBe('expired');
    const row = await env.ctx.db
      .selectFrom('spaces')
      .select('status')
      .where('id', '=', space.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('available');
    const events = await env.ctx.db
      .selectFrom('event_log')
      .select('type')
      .where('type', '=', 'ReservationExpired')
      .execute();
    expect(events).toHaveLength(1);
    await expiry.stop();
  });

  it('denies entry on a hold that has run out even before the sweeper ran', async () => {
    const { gate } = await setup();
    await vi.advanceTimersByTimeAsync(16 * 60_000);
    const answer = await askToEnter(gate.id, 'r1');
    expect(answer).toMatchObject({ decision: 'deny', reason: 'no_reservation' });
  });

  it('keeps a reservation whose car was just allowed in until its admission window closes', async () => {
    const { gate, reservation } = await setup();
    await vi.advanceTimersByTimeAsync(14 * 60_000 + 50_000);
    expect((await askToEnter(gate.id, 'r2')).decision).toBe('allow');
    const expiry = new HoldExpiry(env.ctx, 10_000);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(await expiry.sweep()).toBe(0);
    expect(await statusOf(reservation.id)).toBe('reserved');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await expiry.sweep()).toBe(1);
    expect(await statusOf(reservation.id)).toBe('expired');
  });
});

describe('a gate lookup that fails', () => {
  it('denies with internal_error, not unknown_gate', async () => {
    const env = await domainContext();
    try {
      const payload = JSON.stringify({
        requestId: 'r9',
        credential: { kind: 'plate', value: 'AB12' },
        at: new Date().toISOString(),
      });
      const answer = await decideEntry(env.ctx, {
        gateId: 'gate_x',
        payload,
        lookupGate: async () => {
          throw new Error('SQLITE_IOERR');
        },
      });
      expect(answer).toMatchObject({ requestId: 'r9', decision: 'deny', reason: 'internal_error' });
    } finally {
      await env.close();
    }
  });
});

/** First come, first served over real HTTP: of any number of concurrent requests exactly one wins. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../src/testing/cloud.js';

describe('first come, first served', () => {
  let t: TestCloud;
  let site: Awaited<ReturnType<TestCloud['api']['seedFacility']>>;
  let members: { id: string; token: string; plates: string[] }[];

  beforeAll(async () => {
    t = await startTestCloud();
    site = await t.api.seedFacility(['R-1', 'R-2', 'R-3']);
    members = [];
    for (let i = 0; i < 200; i++)
      members.push(await t.api.member(`Racer ${i}`, [`${String(i).padStart(3, '0')}RC${i % 10}`]));
  });

  afterAll(async () => t?.close());

  it('200 concurrent reserves of one space: one 201, 199 409s', async () => {
    const space = site.spaces[0];
    const results = await Promise.all(
      members.map((m) =>
        t.api.call('POST', '/api/reservations', {
          token: m.token,
          body: { spaceId: space.id, plate: m.plates[0] },
        }),
      ),
    );
    const won = results.filter((r) => r.status === 201);
    const lost = results.filter((r) => r.status === 409);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(199);
    expect(new Set(lost.map((r) => r.body.error))).toEqual(new Set(['space_unavailable']));
    await t.cloud.projector.catchUp();
    const view = await t.api.expect(200, 'GET', `/api/schedule?facilityId=${site.facility.id}`);
    expect(view.spaces.find((s: { id: string }) => s.id === space.id)).toMatchObject({
      status: 'reserved',
      reservationId: won[0]!.body.id,
    });
    const db = t.cloud.ctx.db;
    const live = await db.selectFrom('reservations').select('id').where('space_id', '=', space.id).execute();
    expect(live).toHaveLength(1);
  });

  it('cancel racing 100 reserves: the cancel succeeds and at most one reserve wins the freed space', async () => {
    const space = site.spaces[1];
    const holder = members[0]!;
    // members[0] may hold R-1 from the test above; give R-2 to a member who holds nothing.
    const owner = members.find((m) => m !== holder) as (typeof members)[number];
    const free = await t.cloud.ctx.db
      .selectFrom('reservations')
      .select('member_id')
      .where('status', '=', 'reserved')
      .execute();
    const busy = new Set(free.map((r) => r.member_id));
    const idle = members.filter((m) => !busy.has(m.id));
    const first = idle[0] ?? owner;
    const reservation = await t.api.reserve(first.token, space.id, first.plates[0]!);
    const racers = idle.slice(1, 101);
    const [cancel, ...reserves] = await Promise.all([
      t.api.call('POST', `/api/reservations/${reservation.id}/cancel`, { token: first.token }),
      ...racers.map((m) =>
        t.api.call('POST', '/api/reservations', {
          token: m.token,
          body: { spaceId: space.id, plate: m.plates[0] },
        }),
      ),
    ]);
    expect(cancel!.status).toBe(200);
    expect(cancel!.body).toMatchObject({ status: 'canceled' });
    const won = reserves.filter((r) => r.status === 201);
    expect(won.length).toBeLessThanOrEqual(1);
    expect(reserves.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    const spaceRow = await t.cloud.ctx.db
      .selectFrom('spaces')
      .select('status')
      .where('id', '=', space.id)
      .executeTakeFirstOrThrow();
    expect(spaceRow.status).toBe(won.length === 1 ? 'reserved' : 'available');
  });

  it('concurrent cancels of one reservation: one 200, the rest 409 not_cancellable', async () => {
    const space = site.spaces[2];
    const busy = new Set(
      (
        await t.cloud.ctx.db
          .selectFrom('reservations')
          .select('member_id')
          .where('status', '=', 'reserved')
          .execute()
      ).map((r) => r.member_id),
    );
    const m = members.find((x) => !busy.has(x.id))!;
    const reservation = await t.api.reserve(m.token, space.id, m.plates[0]!);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.api.call('POST', `/api/reservations/${reservation.id}/cancel`, { token: m.token }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409 && r.body.error === 'not_cancellable')).toHaveLength(19);
  });

  it('one plate racing for two spaces at once: one 201, and 409 plate_has_reservation', async () => {
    const two = await t.api.seedFacility(['P-1', 'P-2']);
    const m = await t.api.member('Two places at once', ['99PL01']);
    const [a, b] = await Promise.all(
      two.spaces.map((space: { id: string }) =>
        t.api.call('POST', '/api/reservations', {
          token: m.token,
          body: { spaceId: space.id, plate: '99PL01' },
        }),
      ),
    );
    expect([a!.status, b!.status].sort()).toEqual([201, 409]);
    expect([a, b].find((r) => r!.status === 409)!.body).toMatchObject({ error: 'plate_has_reservation' });
    // The loser's space is free again: its claim was rolled back with the insert.
    const spaces = await t.cloud.ctx.db
      .selectFrom('spaces')
      .select('status')
      .where('facility_id', '=', two.facility.id)
      .execute();
    expect(spaces.map((s) => s.status).sort()).toEqual(['available', 'reserved']);
  });
});

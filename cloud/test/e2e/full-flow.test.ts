/**
 * The whole cloud over real TCP, the real aedes broker and a real sqlite file: register, reserve,
 * authorize as the gate over MQTT, Started with its ack, the schedule, Ended from the exit gate, and
 * every deny reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestCloud } from '../../src/testing/cloud.js';
import { event, type TestGate } from '../../src/testing/gate.js';
import { startSite, type TestSite } from '../../src/testing/site.js';

describe('cloud end to end', () => {
  let env: TestSite;
  let t: TestCloud;
  let site: TestSite['site'];
  let entry: TestGate;
  let exit: TestGate;

  beforeAll(async () => {
    env = await startSite(['A-01', 'A-02', 'A-03']);
    ({ t, site, entry, exit } = env);
  });
  afterAll(async () => env?.close());

  const schedule = async () => {
    await t.cloud.projector.catchUp();
    const body = await t.api.expect(200, 'GET', `/api/schedule?facilityId=${site.facility.id}`);
    return body;
  };

  it('admits a member with a reservation and lets the car out (Korean plate, end to end)', async () => {
    const member = await t.api.member('Kim Minji', ['12가 3456']);
    const space = site.spaces[0];
    const reservation = await t.api.reserve(member.token, space.id, '12가-3456');
    expect(reservation).toMatchObject({ status: 'reserved', plate: '12가3456', spaceId: space.id });

    const allow = await entry.authorize({ kind: 'plate', value: '12가3456' });
    expect(allow).toMatchObject({
      decision: 'allow',
      reason: 'reservation_active',
      reservationId: reservation.id,
      spaceId: space.id,
    });

    const started = event('Started', { kind: 'plate', value: '12가3456' }, { reservationId: reservation.id });
    const ack = await entry.sendEvents(started, started.eventId);
    expect(ack.eventIds).toEqual([started.eventId]);

    let view = await schedule();
    expect(view.spaces.find((s: { id: string }) => s.id === space.id)).toMatchObject({
      status: 'occupied',
      plate: '12가3456',
    });

    const ended = event('Ended', { kind: 'plate', value: '12가3456' });
    expect((await exit.sendEvents(ended, ended.eventId)).eventIds).toEqual([ended.eventId]);
    view = await schedule();
    expect(view.spaces.find((s: { id: string }) => s.id === space.id)).toMatchObject({ status: 'available' });
    const after = await t.api.expect(
      200,
      'GET',
      `/api/reservations/${reservation.id}`,
      undefined,
      member.token,
    );
    expect(after.status).toBe('completed');
  });

  it('gives every deny reason', async () => {
    const inside = await t.api.member('Inside', ['11AA111'], ['0A1B2C3D4E']);
    const elsewhere = await t.api.member('Elsewhere', ['22BB222']);
    const pending = await t.api.member('Pending', ['33CC333']);
    await t.api.member('Idle', ['44DD444']);

    // A second facility for wrong_facility.
    const other = await t.api.expect(201, 'POST', '/api/facilities', { name: 'Harbour Lot' });
    const otherSpace = await t.api.expect(201, 'POST', `/api/facilities/${other.id}/spaces`, {
      label: 'H-1',
      floor: 0,
    });
    await t.api.reserve(elsewhere.token, otherSpace.id, '22BB222');

    // already_inside: reserved, admitted, Started.
    const r1 = await t.api.reserve(inside.token, site.spaces[1].id, '11AA111');
    expect((await entry.authorize({ kind: 'rfid', value: '0a1b2c3d4e' })).decision).toBe('allow');
    const s1 = event('Started', { kind: 'rfid', value: '0A1B2C3D4E' }, { reservationId: r1.id });
    await entry.sendEvents(s1, s1.eventId);

    // admission_pending: allowed once, no Started yet.
    await t.api.reserve(pending.token, site.spaces[2].id, '33CC333');
    expect((await entry.authorize({ kind: 'plate', value: '33CC333' })).decision).toBe('allow');

    const cases: [TestGate, unknown, string][] = [
      [entry, { kind: 'plate', value: '99ZZ999' }, 'unknown_credential'],
      [entry, { kind: 'plate', value: '44DD444' }, 'no_reservation'],
      [entry, { kind: 'plate', value: '22BB222' }, 'wrong_facility'],
      [entry, { kind: 'plate', value: '11AA111' }, 'already_inside'],
      [entry, { kind: 'rfid', value: '0A1B2C3D4E' }, 'already_inside'],
      [entry, { kind: 'plate', value: '33CC333' }, 'admission_pending'],
      [exit, { kind: 'plate', value: '33CC333' }, 'not_an_entry_gate'],
    ];
    for (const [gate, credential, reason] of cases) {
      const res = await gate.authorize(credential as { kind: 'plate'; value: string });
      expect({ credential, res }).toMatchObject({ res: { decision: 'deny', reason } });
    }

    const malformed = [
      ['not json at all', ''],
      [
        JSON.stringify({
          requestId: 'm-1',
          credential: { kind: 'iris', value: 'x' },
          at: new Date().toISOString(),
        }),
        'm-1',
      ],
      [
        JSON.stringify({
          requestId: 'm-2',
          credential: { kind: 'plate', value: '!!!' },
          at: new Date().toISOString(),
        }),
        'm-2',
      ],
      [
        JSON.stringify({ requestId: 'm-3', credential: { kind: 'plate', value: 'AB12' }, at: 'yesterday' }),
        'm-3',
      ],
      [JSON.stringify({ requestId: 'm-4', pad: 'x'.repeat(8000) }), ''],
    ] as const;
    const logSize = async () =>
      Number(
        (
          await t.cloud.ctx.db
            .selectFrom('event_log')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await logSize();
    for (const [payload, requestId] of malformed) {
      const res = await entry.request(payload, requestId);
      expect(res).toMatchObject({ decision: 'deny', reason: 'malformed_request', requestId });
    }
    expect(await logSize()).toBe(before);
    expect(await t.counter('parking_auth_decisions_total', { reason: 'malformed_request' })).toBe(
      malformed.length,
    );
    // The responder is still alive and nothing changed for the pending member.
    expect((await entry.authorize({ kind: 'plate', value: '33CC333' })).reason).toBe('admission_pending');
  });
});

/**
 * Gate events that a faulty or hostile gate could send, through the real broker and ingestion: none
 * may take another member's reservation, reach into another time, stall the outbox or forge a log
 * line. Each is kept (anomaly) or rejected by id, and the rest of its batch is applied.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestCloud } from '../../src/testing/cloud.js';
import { event, TestGate } from '../../src/testing/gate.js';
import { startSite, type TestSite } from '../../src/testing/site.js';

describe('hostile gate events', () => {
  let env: TestSite;
  let t: TestCloud;
  let site: TestSite['site'];
  let entry: TestGate;
  let exit: TestGate;

  beforeAll(async () => {
    env = await startSite(['H-1', 'H-2', 'H-3', 'H-4']);
    ({ t, site, entry, exit } = env);
  });
  afterAll(async () => env?.close());

  const db = () => t.cloud.ctx.db;
  const gateEvent = (eventId: string) =>
    db().selectFrom('gate_events').selectAll().where('event_id', '=', eventId).executeTakeFirst();
  const reservation = (id: string) =>
    db().selectFrom('reservations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it("does not let a Started consume another member's reservation", async () => {
    const x = await t.api.member('Intruder', ['40XX400']);
    await t.api.reserve(x.token, site.spaces[0].id, '40XX400');
    const c = await t.api.member('Victim', ['41CC411']);
    const theirs = await t.api.reserve(c.token, site.spaces[1].id, '41CC411');
    const started = event('Started', { kind: 'plate', value: '40XX400' }, { reservationId: theirs.id });
    expect((await entry.sendEvents(started, started.eventId)).eventIds).toEqual([started.eventId]);
    expect(await gateEvent(started.eventId)).toMatchObject({
      outcome: 'anomaly',
      anomaly: 'reservation_not_owned',
    });
    expect(await reservation(theirs.id)).toMatchObject({ status: 'reserved' });
    // The victim still gets in.
    expect(await entry.authorize({ kind: 'plate', value: '41CC411' })).toMatchObject({ decision: 'allow' });
  });

  it("applies a gate's event whose eventId another gate has used before", async () => {
    const m = await t.api.member('Shadowed', ['48SH488']);
    const r = await t.api.reserve(m.token, site.spaces[3].id, '48SH488');
    const forged = event('Denied', { kind: 'plate', value: '48SH488' }, { reason: 'no_reservation' });
    expect((await exit.sendEvents(forged, forged.eventId)).eventIds).toEqual([forged.eventId]);
    expect(await entry.authorize({ kind: 'plate', value: '48SH488' })).toMatchObject({ decision: 'allow' });
    const started = {
      ...event('Started', { kind: 'plate', value: '48SH488' }, { reservationId: r.id }),
      eventId: forged.eventId,
    };
    expect((await entry.sendEvents(started, started.eventId)).eventIds).toEqual([started.eventId]);
    expect(await reservation(r.id)).toMatchObject({ status: 'in_use' });
    const rows = await db()
      .selectFrom('gate_events')
      .select(['gate_id', 'outcome'])
      .where('event_id', '=', forged.eventId)
      .orderBy('gate_id')
      .execute();
    expect(rows.map((row) => row.outcome).sort()).toEqual(['applied', 'recorded']);
  });

  it("does not let one facility's gate lock a member out of another facility", async () => {
    const other = await t.api.seedFacility(['O-1']);
    const otherEntry = await TestGate.connect(
      t.cloud.mqttUrl,
      other.entry.mqtt.username,
      other.entry.mqtt.password,
    );
    try {
      const d = await t.api.member('Elsewhere', ['49EL499']);
      const r = await t.api.reserve(d.token, other.spaces[0].id, '49EL499');
      // This facility's entry claims the car came in here, naming the reservation held over there.
      const claim = event('Started', { kind: 'plate', value: '49EL499' }, { reservationId: r.id });
      expect((await entry.sendEvents(claim, claim.eventId)).eventIds).toEqual([claim.eventId]);
      expect(await gateEvent(claim.eventId)).toMatchObject({
        outcome: 'anomaly',
        anomaly: 'started_without_reservation',
      });
      expect(await reservation(r.id)).toMatchObject({ status: 'reserved' });
      // Here the car counts as inside; at the member's own facility it does not.
      expect(await entry.authorize({ kind: 'plate', value: '49EL499' })).toMatchObject({
        reason: 'already_inside',
      });
      expect(await otherEntry.authorize({ kind: 'plate', value: '49EL499' })).toMatchObject({
        decision: 'allow',
      });
    } finally {
      await otherEntry.close();
    }
  });

  it('keeps a far-future Ended aside so that it cannot close the car’s next session', async () => {
    const m = await t.api.member('Future', ['42FF422']);
    const future = event('Ended', { kind: 'plate', value: '42FF422' }, { at: '9999-12-31T23:59:59Z' });
    expect((await exit.sendEvents(future, future.eventId)).eventIds).toEqual([future.eventId]);
    expect(await gateEvent(future.eventId)).toMatchObject({
      outcome: 'anomaly',
      anomaly: 'time_out_of_window',
    });

    const r = await t.api.reserve(m.token, site.spaces[2].id, '42FF422');
    expect(await entry.authorize({ kind: 'plate', value: '42FF422' })).toMatchObject({ decision: 'allow' });
    const started = event('Started', { kind: 'plate', value: '42FF422' }, { reservationId: r.id });
    await entry.sendEvents(started, started.eventId);
    expect(await reservation(r.id)).toMatchObject({ status: 'in_use' });
    const open = await db()
      .selectFrom('parking_sessions')
      .select('status')
      .where('reservation_id', '=', r.id)
      .executeTakeFirstOrThrow();
    expect(open.status).toBe('open');
  });

  it('keeps an event from long ago aside, and stores every time it accepts as canonical UTC', async () => {
    const old = event('Denied', { kind: 'plate', value: '43OL433' }, { at: '1970-01-01T00:00:00Z' });
    const skewed = event('Denied', { kind: 'plate', value: '44SK444' }, { at: '9999-12-31T23:59:59-23:59' });
    const local = new Date(Date.now() - 60_000);
    const offset = event(
      'Denied',
      { kind: 'plate', value: '45OF455' },
      {
        at: `${new Date(local.getTime() + 9 * 3600_000).toISOString().slice(0, 19)}+09:00`,
      },
    );
    const ack = await entry.sendEvents({ events: [old, skewed, offset] }, offset.eventId);
    expect(ack.eventIds).toEqual([old.eventId, offset.eventId]);
    // Past year 9999 in UTC: no canonical text form, so it cannot be compared as text; refused.
    expect(ack.rejected).toEqual([{ eventId: skewed.eventId, error: expect.stringMatching(/at/) }]);
    expect(await gateEvent(skewed.eventId)).toBeUndefined();
    expect(await gateEvent(old.eventId)).toMatchObject({ outcome: 'anomaly', anomaly: 'time_out_of_window' });
    expect(await gateEvent(offset.eventId)).toMatchObject({
      outcome: 'recorded',
      occurred_at: `${local.toISOString().slice(0, 19)}.000Z`,
    });
  });

  it('rejects an event whose detail nests too deep, and applies the rest of its batch', async () => {
    // 5,000 nested arrays, written as text: JSON.stringify of them would overflow the stack here too.
    const deep = event('Denied', { kind: 'plate', value: '46DP466' });
    const fine = event('Denied', { kind: 'plate', value: '47OK477' }, { reason: 'no_reservation' });
    const nested = `${'['.repeat(5000)}"x"${']'.repeat(5000)}`;
    const deepText = `${JSON.stringify(deep).slice(0, -1)},"detail":{"nested":${nested}}}`;
    const ack = await entry.sendEvents(`{"events":[${deepText},${JSON.stringify(fine)}]}`, fine.eventId);
    expect(ack.eventIds).toEqual([fine.eventId]);
    expect(ack.rejected).toEqual([{ eventId: deep.eventId, error: expect.stringMatching(/detail/) }]);
    expect(await gateEvent(deep.eventId)).toBeUndefined();
    expect(await gateEvent(fine.eventId)).toMatchObject({ outcome: 'recorded' });
  });
});

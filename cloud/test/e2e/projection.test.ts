/**
 * CQRS: the schedule is fed only by the event log. With the projector stopped, reservations, cancels
 * and Ended events keep succeeding; restarted, it catches up; rebuilt from sequence 0, it is the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestCloud } from '../../src/testing/cloud.js';
import { event, type TestGate } from '../../src/testing/gate.js';
import { startSite, type TestSite } from '../../src/testing/site.js';

describe('schedule projection', () => {
  let env: TestSite;
  let t: TestCloud;
  let site: TestSite['site'];
  let entry: TestGate;
  let exit: TestGate;

  beforeAll(async () => {
    env = await startSite(['P-1', 'P-2', 'P-3']);
    ({ t, site, entry, exit } = env);
  });
  afterAll(async () => env?.close());

  const view = async () => {
    const body = await t.api.expect(200, 'GET', `/api/schedule?facilityId=${site.facility.id}`);
    return Object.fromEntries(body.spaces.map((s: { label: string; status: string }) => [s.label, s.status]));
  };

  it('keeps the write side working while stopped and catches up when restarted', async () => {
    const a = await t.api.member('A', ['PA1']);
    const b = await t.api.member('B', ['PB2']);
    const ra = await t.api.reserve(a.token, site.spaces[0].id, 'PA1');
    await entry.authorize({ kind: 'plate', value: 'PA1' });
    const s = event('Started', { kind: 'plate', value: 'PA1' }, { reservationId: ra.id });
    await entry.sendEvents(s, s.eventId);
    await t.cloud.projector.catchUp();
    expect(await view()).toEqual({ 'P-1': 'occupied', 'P-2': 'available', 'P-3': 'available' });

    await t.cloud.projector.stop();
    expect(t.cloud.projector.running).toBe(false);
    const rb = await t.api.reserve(b.token, site.spaces[1].id, 'PB2');
    await t.api.expect(200, 'POST', `/api/reservations/${rb.id}/cancel`, undefined, b.token);
    await t.api.reserve(b.token, site.spaces[2].id, 'PB2');
    const e = event('Ended', { kind: 'plate', value: 'PA1' });
    expect((await exit.sendEvents(e, e.eventId)).eventIds).toEqual([e.eventId]);

    // The read model is behind, and says so.
    const stale = await t.api.expect(200, 'GET', `/api/schedule?facilityId=${site.facility.id}`);
    expect(stale.asOf.lag).toBeGreaterThan(0);
    expect(await view()).toEqual({ 'P-1': 'occupied', 'P-2': 'available', 'P-3': 'available' });

    await t.cloud.projector.start();
    expect(await view()).toEqual({ 'P-1': 'available', 'P-2': 'available', 'P-3': 'reserved' });
    const fresh = await t.api.expect(200, 'GET', `/api/schedule?facilityId=${site.facility.id}`);
    expect(fresh.asOf.lag).toBe(0);
  });

  it('rebuilds the same schedule from sequence 0', async () => {
    const before = await t.cloud.ctx.db
      .selectFrom('schedule_spaces')
      .selectAll()
      .orderBy('space_id')
      .execute();
    const projected = await t.cloud.projector.rebuild();
    expect(projected).toBeGreaterThan(5);
    const after = await t.cloud.ctx.db
      .selectFrom('schedule_spaces')
      .selectAll()
      .orderBy('space_id')
      .execute();
    expect(after).toEqual(before);
  });

  it('publishes domain events to parking/events/{type} in sequence order', async () => {
    await t.cloud.publisher.flush();
    const mqtt = await import('mqtt');
    const client = await mqtt.default.connectAsync(t.cloud.mqttUrl, {
      username: 'operator',
      password: t.cloud.operatorToken,
      clientId: `operator-test-${Math.random().toString(16).slice(2, 8)}`,
    });
    const seen: number[] = [];
    client.on('message', (_topic, payload) => seen.push(JSON.parse(payload.toString()).seq));
    await client.subscribeAsync('parking/events/#', { qos: 1 });
    const m = await t.api.member('Watcher', ['WT1']);
    await t.api.reserve(m.token, site.spaces[1].id, 'WT1');
    await t.cloud.publisher.flush();
    await expect.poll(() => seen.length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    expect([...seen].sort((x, y) => x - y)).toEqual(seen);
    await client.endAsync();
  });

  it('serves the event log over HTTP to catch up after a gap, to operators only', async () => {
    const all = await t.api.expect(200, 'GET', '/api/events?after=0&limit=1000');
    expect(all.events.length).toBe(all.lastSeq);
    expect(all.events.map((e: { seq: number }) => e.seq)).toEqual(
      all.events.map((_: unknown, i: number) => i + 1),
    );
    const tail = await t.api.expect(200, 'GET', `/api/events?after=${all.lastSeq - 2}`);
    expect(tail.events.map((e: { seq: number }) => e.seq)).toEqual([all.lastSeq - 1, all.lastSeq]);
    const m = await t.api.member('Nosy', ['NS1']);
    expect((await t.api.call('GET', '/api/events', { token: m.token })).status).toBe(403);
    expect((await t.api.call('GET', '/api/events?after=-1')).status).toBe(400);
  });
});

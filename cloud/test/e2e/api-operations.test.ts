/**
 * The API an operator and a member use day to day: the lists (paginated), lookups, live gate
 * status, a member's own view, and the changes (deactivate a gate, change plates and tags, retire a
 * space), with one error shape and never a 500 for a bad id.
 */
import type { Socket } from 'node:net';
import { topics } from '@parkinglot/shared';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestCloud } from '../../src/testing/cloud.js';
import { eventually } from '../../src/testing/eventually.js';
import { event, TestGate } from '../../src/testing/gate.js';
import { startSite, type TestSite } from '../../src/testing/site.js';

describe('the operator and member API', () => {
  let env: TestSite;
  let t: TestCloud;
  let site: TestSite['site'];
  let kim: { id: string; token: string };
  let lee: { id: string; token: string };

  beforeAll(async () => {
    env = await startSite(['B-1', 'B-2', 'B-3', 'B-4', 'B-5']);
    ({ t, site } = env);
    kim = await t.api.member('Kim Minji', ['12가3456'], ['0A1B2C3D4E']);
    lee = await t.api.member('Lee Jun', ['34나5678']);
  });
  afterAll(async () => env?.close());

  it('lists facilities a page at a time', async () => {
    for (const name of ['East', 'West']) await t.api.expect(201, 'POST', '/api/facilities', { name });
    const first = await t.api.expect(200, 'GET', '/api/facilities?limit=2');
    expect(first.items).toHaveLength(2);
    const second = await t.api.expect(200, 'GET', `/api/facilities?limit=2&cursor=${first.nextCursor}`);
    expect(second).toMatchObject({ nextCursor: null });
    const names = [...first.items, ...second.items].map((f: { name: string }) => f.name).sort();
    expect(names).toEqual(['Central Garage', 'East', 'West']);
  });

  it('lists a facility’s gates with what each said of itself', async () => {
    const { entry } = env;
    await entry.client.publishAsync(topics.availability(entry.gateId), 'online', { qos: 1, retain: true });
    await entry.client.publishAsync(
      topics.state(entry.gateId),
      JSON.stringify({
        barrier: 'closed',
        phase: 'idle',
        loops: { arrival: false },
        outboxDepth: 2,
        alarms: ['reader_down'],
      }),
      { qos: 1, retain: true },
    );
    await eventually(() => t.cloud.gateStatus.get(entry.gateId).state?.outboxDepth === 2);
    const gates = await t.api.expect(200, 'GET', `/api/facilities/${site.facility.id}/gates`);
    const byId = new Map(gates.items.map((g: { id: string }) => [g.id, g]));
    expect(byId.get(entry.gateId)).toMatchObject({
      direction: 'entry',
      status: {
        availability: 'online',
        barrier: 'closed',
        phase: 'idle',
        outboxDepth: 2,
        alarms: ['reader_down'],
      },
    });
    expect(byId.get(env.exit.gateId)).toMatchObject({ status: { availability: 'unknown', barrier: null } });
    const one = await t.api.expect(200, 'GET', `/api/gates/${entry.gateId}`);
    expect(one.status.availability).toBe('online');
  });

  it('finds members by plate (any spelling), tag or name', async () => {
    const byPlate = await t.api.expect(200, 'GET', `/api/members?plate=${encodeURIComponent('12가 3456')}`);
    expect(byPlate.items.map((m: { id: string }) => m.id)).toEqual([kim.id]);
    const byTag = await t.api.expect(200, 'GET', '/api/members?rfid=0a1b2c3d4e');
    expect(byTag.items.map((m: { id: string }) => m.id)).toEqual([kim.id]);
    const byName = await t.api.expect(200, 'GET', `/api/members?name=${encodeURIComponent('Lee')}`);
    expect(byName.items).toEqual([expect.objectContaining({ id: lee.id, plates: ['34나5678'] })]);
    expect((await t.api.expect(200, 'GET', '/api/members?plate=99ZZ9999')).items).toEqual([]);
    expect((await t.api.expect(400, 'GET', '/api/members?plate=')).error).toBe('validation_failed');
  });

  it('lists reservations by facility, member and status, and a member sees their own', async () => {
    const r1 = await t.api.reserve(kim.token, site.spaces[0].id, '12가3456');
    const r2 = await t.api.reserve(lee.token, site.spaces[1].id, '34나5678');
    await t.api.expect(200, 'POST', `/api/reservations/${r2.id}/cancel`, undefined, lee.token);
    const live = await t.api.expect(
      200,
      'GET',
      `/api/reservations?facilityId=${site.facility.id}&status=live`,
    );
    expect(live.items.map((r: { id: string }) => r.id)).toEqual([r1.id]);
    const lees = await t.api.expect(200, 'GET', `/api/reservations?memberId=${lee.id}`);
    expect(lees.items).toEqual([expect.objectContaining({ id: r2.id, status: 'canceled' })]);
    const all = await t.api.expect(200, 'GET', '/api/reservations?limit=1');
    expect(all.items.map((r: { id: string }) => r.id)).toEqual([r2.id]);
    const rest = await t.api.expect(200, 'GET', `/api/reservations?limit=1&cursor=${all.nextCursor}`);
    expect(rest.items.map((r: { id: string }) => r.id)).toEqual([r1.id]);

    const mine = await t.api.expect(200, 'GET', '/api/me/reservations', undefined, kim.token);
    expect(mine.items.map((r: { id: string }) => r.id)).toEqual([r1.id]);
    expect(await t.api.expect(200, 'GET', '/api/me', undefined, kim.token)).toMatchObject({
      id: kim.id,
      plates: ['12가3456'],
      activeReservations: [expect.objectContaining({ id: r1.id })],
    });
    expect(await t.api.expect(200, 'GET', '/api/me/session', undefined, kim.token)).toEqual({
      session: null,
    });
    await t.api.expect(403, 'GET', '/api/me');
    await t.api.expect(403, 'GET', '/api/reservations', undefined, kim.token);
  });

  it('shows a member the car of theirs that is inside', async () => {
    const started = event('Started', { kind: 'plate', value: '12가3456' });
    await env.entry.sendEvents(started, started.eventId);
    const { session } = await t.api.expect(200, 'GET', '/api/me/session', undefined, kim.token);
    expect(session).toMatchObject({
      facilityId: site.facility.id,
      plate: '12가3456',
      spaceId: site.spaces[0].id,
    });
    const ended = event('Ended', { kind: 'plate', value: '12가3456' });
    await env.exit.sendEvents(ended, ended.eventId);
    expect(await t.api.expect(200, 'GET', '/api/me/session', undefined, kim.token)).toEqual({
      session: null,
    });
  });

  it('changes a member’s plates and tags, and the very next entry decision sees it', async () => {
    const park = await t.api.member('Park Seo', ['56다7890']);
    await t.api.reserve(park.token, site.spaces[2].id, '56다7890');
    // The reserved plate stays; a new one is added, and the old tag-less member gets a tag.
    const changed = await t.api.expect(200, 'PUT', `/api/members/${park.id}/credentials`, {
      plates: ['56다7890', '78라1234'],
      rfidTags: ['FFEE001122'],
    });
    expect(changed).toMatchObject({ plates: ['56다7890', '78라1234'], rfidTags: ['FFEE001122'] });
    expect((await env.entry.authorize({ kind: 'rfid', value: 'FFEE001122' })).decision).toBe('allow');
    // Taking away the plate the reservation rests on is refused.
    const refused = await t.api.expect(409, 'PUT', `/api/members/${park.id}/credentials`, {
      plates: ['78라1234'],
      rfidTags: [],
    });
    expect(refused.error).toBe('credential_in_use');
    // Another member's plate is not to be had.
    const taken = await t.api.expect(409, 'PUT', `/api/members/${park.id}/credentials`, {
      plates: ['56다7890', '34나5678'],
      rfidTags: [],
    });
    expect(taken.error).toBe('credential_taken');
    // Lee's plate, taken away (no reservation rests on it), is unknown to the gate at once.
    await t.api.expect(200, 'PUT', `/api/members/${lee.id}/credentials`, {
      plates: ['90마1111'],
      rfidTags: [],
    });
    const deny = await env.entry.authorize({ kind: 'plate', value: '34나5678' });
    expect(deny).toMatchObject({ decision: 'deny', reason: 'unknown_credential' });
    await t.api.expect(400, 'PUT', `/api/members/${lee.id}/credentials`, { plates: [], rfidTags: [] });
  });

  it('retires an available space for good: not reservable, not in the schedule', async () => {
    const space = site.spaces[4];
    const retired = await t.api.expect(200, 'POST', `/api/spaces/${space.id}/retire`);
    expect(retired).toMatchObject({ id: space.id, status: 'retired', retiredAt: expect.any(String) });
    const again = await t.api.expect(200, 'POST', `/api/spaces/${space.id}/retire`);
    expect(again.retiredAt).toBe(retired.retiredAt);
    const member = await t.api.member('Choi', ['11바2222']);
    const refused = await t.api.expect(
      409,
      'POST',
      '/api/reservations',
      { spaceId: space.id, plate: '11바2222' },
      member.token,
    );
    expect(refused.error).toBe('space_unavailable');
    await t.cloud.projector.catchUp();
    const schedule = await t.api.expect(200, 'GET', `/api/schedule?facilityId=${site.facility.id}`);
    expect(schedule.spaces.map((s: { id: string }) => s.id)).not.toContain(space.id);
    const held = await t.api.expect(409, 'POST', `/api/spaces/${site.spaces[2].id}/retire`);
    expect(held.error).toBe('space_in_use');
    await t.api.expect(403, 'POST', `/api/spaces/${site.spaces[3].id}/retire`, undefined, member.token);
  });

  it('deactivates a gate: its session ends, its login stops working, commands to it are refused', async () => {
    const gate = await t.api.expect(201, 'POST', `/api/facilities/${site.facility.id}/gates`, {
      name: 'Side entry',
      direction: 'entry',
    });
    const connected = await TestGate.connect(t.cloud.mqttUrl, gate.mqtt.username, gate.mqtt.password);
    const cut = new Promise<void>((resolve) => connected.client.once('close', () => resolve()));
    const deactivated = await t.api.expect(200, 'POST', `/api/gates/${gate.id}/deactivate`);
    expect(deactivated).toMatchObject({ id: gate.id, deactivatedAt: expect.any(String) });
    await cut;
    await connected.close();
    const again = await mqtt
      .connectAsync(t.cloud.mqttUrl, {
        username: gate.mqtt.username,
        password: gate.mqtt.password,
        clientId: gate.id,
        reconnectPeriod: 0,
      })
      .then(
        (client) => {
          (client.stream as Socket).destroy();
          return 'connected';
        },
        () => 'refused',
      );
    expect(again).toBe('refused');
    const command = await t.api.expect(404, 'POST', `/api/gates/${gate.id}/commands`, {
      action: 'open',
      reason: 'x',
    });
    expect(command.error).toBe('gate_not_found');
    const facility = await t.api.expect(200, 'GET', `/api/facilities/${site.facility.id}`);
    expect(facility.gates.find((g: { id: string }) => g.id === gate.id).deactivatedAt).toEqual(
      expect.any(String),
    );
  });

  it('answers a bad id with 400 or 404, never a 500, in the one error shape', async () => {
    const long = 'x'.repeat(65);
    for (const path of [
      `/api/facilities/${long}`,
      `/api/gates/${long}`,
      `/api/members/${long}`,
      `/api/reservations/${long}`,
    ]) {
      const body = await t.api.expect(400, 'GET', path);
      expect(body).toEqual({ error: 'validation_failed', message: expect.stringContaining('id') });
    }
    for (const [method, path] of [
      ['GET', '/api/facilities/fac_none'],
      ['GET', '/api/gates/gate_none'],
      ['GET', '/api/members/mem_none'],
      ['GET', '/api/reservations/res_none'],
      ['POST', '/api/reservations/res_none/cancel'],
      ['POST', '/api/spaces/spc_none/retire'],
      ['POST', '/api/gates/gate_none/deactivate'],
      ['POST', '/api/gates/gate_none/password'],
      ['GET', '/api/facilities/fac_none/gates'],
      ['PUT', '/api/members/mem_none/credentials'],
    ] as const) {
      const body = method === 'PUT' ? { plates: ['12가0000'], rfidTags: [] } : undefined;
      const answer = await t.api.call(method, path, { body });
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body, `${method} ${path}`).toEqual({
        error: expect.stringMatching(/_not_found$/),
        message: expect.any(String),
      });
    }
    expect((await t.api.expect(400, 'GET', '/api/facilities?limit=0')).error).toBe('validation_failed');
    expect((await t.api.expect(400, 'GET', '/api/facilities?cursor=%%%')).error).toBe('bad_cursor');
  });
});

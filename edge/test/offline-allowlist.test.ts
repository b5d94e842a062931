/**
 * The opt-in offline allowlist end to end: the cloud signs each entry gate's list, the gate keeps
 * it, and while its link is cut it admits only what the list holds, once each. When the link
 * returns, the cloud reconciles what it let in: a reservation cancelled meanwhile is an anomaly.
 */
import { startTestCloud, type TestCloud } from '@parkinglot/cloud/testing';
import { type LinkProxy, startLinkProxy } from '@parkinglot/platform/net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGate, gateConfig, startFakeGate, until } from './support.js';

describe('the offline allowlist', () => {
  let t: TestCloud;
  let gate: FakeGate;
  let link: LinkProxy;
  let site: Awaited<ReturnType<TestCloud['api']['seedFacility']>>;

  beforeAll(async () => {
    t = await startTestCloud();
    site = await t.api.seedFacility(['O-1', 'O-2', 'O-3']);
    await t.api.expect(200, 'PUT', `/api/facilities/${site.facility.id}/offline-allowlist`, {
      enabled: true,
      windowMinutes: 30,
      alwaysAdmit: [{ kind: 'rfid', value: 'feedbeef00', note: 'fire brigade' }],
    });
    const { publicKey } = await t.api.expect(200, 'GET', '/api/signing-key');
    link = await startLinkProxy({ port: t.cloud.mqttPort! });
    const config = gateConfig(site.entry, 'entry', `mqtt://127.0.0.1:${link.port}`);
    gate = await startFakeGate({ ...config, allowlist: { publicKey } });
    await until(() => gate.agent.mqtt.isConnected);
  });
  afterAll(async () => {
    await gate?.agent.stop();
    await link?.close();
    await t?.close();
  });

  const sessions = () =>
    t.cloud.ctx.db.selectFrom('parking_sessions').select(['credential_value', 'status']).execute();

  it('is signed by the cloud for each entry gate, and follows the reservations', async () => {
    const kim = await t.api.member('Kim', ['12가3456']);
    const r = await t.api.reserve(kim.token, site.spaces[0].id, '12가3456');
    const allowlist = gate.agent.allowlist!;
    await until(() => allowlist.listed({ kind: 'plate', value: '12가3456' }));
    expect(allowlist.listed({ kind: 'rfid', value: 'FEEDBEEF00' })).toBe(true);
    expect(allowlist.listed({ kind: 'plate', value: '99하9999' })).toBe(false);
    // Online, the cloud decides: a cancelled reservation is a deny, whatever an older list said.
    await t.api.expect(200, 'POST', `/api/reservations/${r.id}/cancel`, undefined, kim.token);
    await until(() => !allowlist.listed({ kind: 'plate', value: '12가3456' }));
    expect(await gate.drive('12가3456')).toBe('refused');
  });

  it('admits what the list holds while the link is down, once; the cloud reconciles it when the link returns', async () => {
    const lee = await t.api.member('Lee', ['34나5678']);
    const r = await t.api.reserve(lee.token, site.spaces[1].id, '34나5678');
    const park = await t.api.member('Park', ['78라1234']);
    const kept = await t.api.reserve(park.token, site.spaces[2].id, '78라1234');
    const allowlist = gate.agent.allowlist!;
    await until(
      () =>
        allowlist.listed({ kind: 'plate', value: '34나5678' }) &&
        allowlist.listed({ kind: 'plate', value: '78라1234' }),
    );
    link.cut();
    await until(() => !gate.agent.mqtt.isConnected);
    // Cancelled while the gate cannot hear of it: the gate's list still holds it.
    await t.api.expect(200, 'POST', `/api/reservations/${r.id}/cancel`, undefined, lee.token);
    expect(await gate.drive('34나5678')).toBe('passed');
    expect(await gate.drive('78라1234')).toBe('passed');
    // Local anti-passback: the same plate is not let in offline twice.
    expect(await gate.drive('34나5678')).toBe('refused');
    // Not on the list: refused, as without one.
    expect(await gate.drive('56다7890')).toBe('refused');
    expect(gate.agent.outbox.depth).toBeGreaterThan(0);
    link.restore();
    await until(() => gate.agent.mqtt.isConnected && gate.agent.outbox.depth === 0);
    const started = await t.cloud.ctx.db
      .selectFrom('gate_events')
      .select(['outcome', 'anomaly', 'payload'])
      .where('type', '=', 'Started')
      .where('credential_value', '=', '34나5678')
      .execute();
    expect(started).toEqual([
      expect.objectContaining({ outcome: 'anomaly', anomaly: 'offline_admit_reservation_gone' }),
    ]);
    expect(JSON.parse(started[0]!.payload)).toMatchObject({ offline: true, reservationId: r.id });
    // The car is inside all the same, and the cancelled reservation stays cancelled.
    expect(await sessions()).toEqual(
      expect.arrayContaining([{ credential_value: '34나5678', status: 'open' }]),
    );
    expect((await t.api.expect(200, 'GET', `/api/reservations/${r.id}`)).status).toBe('canceled');
    // The one still held is consumed, as if the cloud had let the car in itself.
    expect((await t.api.expect(200, 'GET', `/api/reservations/${kept.id}`)).status).toBe('in_use');
  });

  it('lets an always-admit card in offline, and the cloud records it as such', async () => {
    link.cut();
    await until(() => !gate.agent.mqtt.isConnected);
    gate.arrival.set(true);
    gate.tags.read('FEEDBEEF00');
    await gate.agent.controller.settled();
    expect(gate.agent.controller.state).toBe('awaiting_passage');
    gate.passage.set(true);
    gate.arrival.set(false);
    gate.passage.set(false);
    await until(() => gate.agent.controller.state === 'idle');
    link.restore();
    await until(() => gate.agent.mqtt.isConnected && gate.agent.outbox.depth === 0);
    const started = await t.cloud.ctx.db
      .selectFrom('gate_events')
      .select(['anomaly'])
      .where('type', '=', 'Started')
      .where('credential_value', '=', 'FEEDBEEF00')
      .execute();
    expect(started).toEqual([{ anomaly: 'offline_admit_without_reservation' }]);
  });
});

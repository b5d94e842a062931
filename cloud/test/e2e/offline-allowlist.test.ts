/**
 * The cloud's side of the opt-in offline allowlist, on every variant: off by default, then a list
 * signed for each entry gate on its retained topic, that the gate can verify with the published key.
 */
import { createPublicKey, verify } from 'node:crypto';
import { type AllowlistBody, topics } from '@parkinglot/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../src/testing/eventually.js';
import { startSite, type TestSite } from '../../src/testing/site.js';

describe('offline allowlists', () => {
  let env: TestSite;
  const received: Buffer[] = [];

  beforeAll(async () => {
    env = await startSite(['W-1', 'W-2']);
    env.entry.client.on('message', (topic, payload) => {
      if (topic === topics.allowlist(env.entry.gateId)) received.push(payload);
    });
    // A gate may subscribe to its own list (and no other's).
    expect(
      (await env.entry.client.subscribeAsync(topics.allowlist(env.entry.gateId), { qos: 1 }))[0]?.qos,
    ).toBe(1);
  });
  afterAll(async () => env?.close());

  const url = () => `/api/facilities/${env.site.facility.id}/offline-allowlist`;

  it('is off unless an admin turns it on, with a setting that validates', async () => {
    expect(await env.t.api.expect(200, 'GET', url())).toEqual({
      enabled: false,
      windowMinutes: 30,
      alwaysAdmit: [],
    });
    await env.t.api.expect(400, 'PUT', url(), { enabled: true, windowMinutes: 0 });
    await env.t.api.expect(400, 'PUT', url(), { enabled: true, alwaysAdmit: [{ kind: 'plate', value: '' }] });
    await env.t.api.expect(404, 'PUT', '/api/facilities/fac_none/offline-allowlist', { enabled: true });
    const viewer = await env.t.api.expect(201, 'POST', '/api/operators', { name: 'vw', role: 'viewer' });
    await env.t.api.expect(403, 'PUT', url(), { enabled: true }, viewer.token);
    // A facility that never had it on is never sent anything, not even an empty list.
    await env.t.api.reserve(
      (await env.t.api.member('Early', ['99하0001'])).token,
      env.site.spaces[1].id,
      '99하0001',
    );
    await env.t.cloud.projector.catchUp();
    expect(received).toEqual([]);
  });

  it('gives each entry gate a list signed with the published key, holding the reservations and the always-admit', async () => {
    const member = await env.t.api.member('Listed', ['12가3456'], ['0A1B2C3D4E']);
    const r = await env.t.api.reserve(member.token, env.site.spaces[0].id, '12가3456');
    await env.t.api.expect(200, 'PUT', url(), {
      enabled: true,
      windowMinutes: 20,
      alwaysAdmit: [{ kind: 'plate', value: '119 소방 1', note: 'fire brigade' }],
    });
    await eventually(() => received.some((p) => p.length > 0));
    const { publicKey } = await env.t.api.expect(200, 'GET', '/api/signing-key');
    const lists = received.filter((p) => p.length > 0);
    const signed = JSON.parse(lists.at(-1)!.toString()) as { list: string; signature: string };
    const bytes = Buffer.from(signed.list, 'base64url');
    expect(verify(null, bytes, createPublicKey(publicKey), Buffer.from(signed.signature, 'base64url'))).toBe(
      true,
    );
    const body = JSON.parse(bytes.toString()) as AllowlistBody;
    expect(body).toMatchObject({ v: 1, gateId: env.entry.gateId, facilityId: env.site.facility.id });
    expect(Date.parse(body.expiresAt) - Date.parse(body.issuedAt)).toBe(20 * 60_000);
    expect(body.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'plate', value: '12가3456', reservationId: r.id }),
        expect.objectContaining({ kind: 'rfid', value: '0A1B2C3D4E', reservationId: r.id }),
        expect.objectContaining({ kind: 'plate', value: '119소방1' }),
      ]),
    );
    // Cancelled: the next list no longer holds it.
    await env.t.api.expect(200, 'POST', `/api/reservations/${r.id}/cancel`, undefined, member.token);
    await eventually(() => {
      const last = received.at(-1)!;
      if (last.length === 0) return false;
      const { list } = JSON.parse(last.toString()) as { list: string };
      return !Buffer.from(list, 'base64url').toString().includes('12가3456');
    });
  });

  it('empties the gates’ topics when it is turned off', async () => {
    await env.t.api.expect(200, 'PUT', url(), { enabled: false });
    await eventually(() => received.at(-1)?.length === 0);
  });
});

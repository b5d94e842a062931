/**
 * Rotating a gate's MQTT password through the API, on whichever broker the variant runs (the
 * embedded one reads the new hash; Mosquitto gets the new password over dynamic security).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestGate } from '../../src/testing/gate.js';
import { startTestCloud, type TestCloud } from '../../src/testing/index.js';

describe('gate password rotation', () => {
  let t: TestCloud;
  let site: Awaited<ReturnType<TestCloud['api']['seedFacility']>>;

  beforeAll(async () => {
    t = await startTestCloud();
    site = await t.api.seedFacility(['W-1']);
  });
  afterAll(async () => t?.close());

  it('ends the session in hand at once and lets the gate in with the new password only', async () => {
    const { username, password: old } = site.entry.mqtt;
    const connected = await TestGate.connect(t.cloud.mqttUrl, username, old);
    const cut = new Promise<void>((resolve) => connected.client.once('close', () => resolve()));
    const rotated = await t.api.expect(200, 'POST', `/api/gates/${site.entry.id}/password`);
    expect(rotated.mqtt.username).toBe(username);
    expect(rotated.mqtt.password).not.toBe(old);
    await cut;
    await connected.close();
    await expect(TestGate.connect(t.cloud.mqttUrl, username, old)).rejects.toThrow(
      /Not authorized|Bad username/i,
    );
    const again = await TestGate.connect(t.cloud.mqttUrl, username, rotated.mqtt.password);
    expect((await again.authorize({ kind: 'plate', value: 'NOBODY1' })).decision).toBe('deny');
    await again.close();
  });

  it('is for operators, and names an unknown gate', async () => {
    const member = await t.api.member('Not an operator', ['ROT001']);
    const forbidden = await t.api.call('POST', `/api/gates/${site.exit.id}/password`, {
      token: member.token,
    });
    expect(forbidden.status).toBe(403);
    const missing = await t.api.call('POST', '/api/gates/gate_nope/password');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: 'gate_not_found' });
  });
});

/**
 * A gate across the internet: the edge agent reaches the cloud's embedded broker over mqtts://,
 * trusting the site CA from its config file's `mqtt.caFile`, and a member's car is let in. A gate
 * that trusts another CA never connects, and says why in one line.
 */
import {
  makeTestCertificates,
  startTestCloud,
  type TestCertificates,
  type TestCloud,
} from '@parkinglot/cloud/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeConfigError } from '../src/config/load.js';
import { type FakeGate, gateConfig, startFakeGate, until } from './support.js';

describe('edge agent over TLS', () => {
  let certs: TestCertificates;
  let t: TestCloud;
  let site: Awaited<ReturnType<TestCloud['api']['seedFacility']>>;
  const gates: FakeGate[] = [];

  beforeAll(async () => {
    certs = makeTestCertificates();
    t = await startTestCloud({ mqttTlsPort: 0, mqttTlsCert: certs.brokerCert, mqttTlsKey: certs.brokerKey });
    site = await t.api.seedFacility(['T-1']);
  });
  afterAll(async () => {
    for (const gate of gates) await gate.agent.stop();
    await t?.close();
    certs?.remove();
  });

  const tlsGate = async (caFile: string) => {
    const config = gateConfig(site.entry, 'entry', t.cloud.mqttTlsUrl!);
    const gate = await startFakeGate({ ...config, mqtt: { ...config.mqtt, caFile, connectTimeoutMs: 2000 } });
    gates.push(gate);
    return gate;
  };

  it('connects with the site CA and lets a member in', async () => {
    expect(t.cloud.mqttTlsUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    const m = await t.api.member('Over TLS', ['55TL555']);
    await t.api.reserve(m.token, site.spaces[0].id, '55TL555');
    const gate = await tlsGate(certs.ca);
    await until(() => gate.agent.mqtt.isConnected);
    expect(await gate.drive('55TL555')).toBe('passed');
    await gate.agent.stop();
  });

  it('never connects when it trusts another CA', async () => {
    const gate = await tlsGate(certs.otherCa);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(gate.agent.mqtt.isConnected).toBe(false);
    expect(await gate.drive('55TL555')).toBe('refused');
  });

  it('stops at start with the path of a CA file it cannot read', async () => {
    const error = await tlsGate('/nonexistent/ca.pem').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EdgeConfigError);
    expect((error as Error).message).toContain('mqtt.caFile /nonexistent/ca.pem: ENOENT');
  });
});

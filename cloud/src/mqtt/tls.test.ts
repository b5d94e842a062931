/**
 * MQTT over TLS between a gate and the embedded broker, with certificates made for the run by
 * openssl (testing/certificates.ts). The gate side is the platform's MqttConnection, as the edge agent uses it.
 */
import { readFileSync } from 'node:fs';
import { quietLogger } from '@parkinglot/platform/log';
import { MqttConnection } from '@parkinglot/platform/mqtt';
import { topics } from '@parkinglot/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates, type TestCertificates } from '../testing/certificates.js';
import type { EmbeddedBroker, EmbeddedBrokerOptions } from './broker.js';
import { startTestBroker, USERS } from './testing.js';

let certs: TestCertificates;
const pem = (file: string) => readFileSync(file);

beforeAll(() => {
  certs = makeTestCertificates('A');
});
afterAll(() => certs.remove());

let broker: EmbeddedBroker | undefined;
const connections: MqttConnection[] = [];
afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.stop()));
  await broker?.close();
  broker = undefined;
});

async function startBroker(tls: Partial<NonNullable<EmbeddedBrokerOptions['tls']>> = {}) {
  broker = await startTestBroker(0, quietLogger(), {
    port: 0,
    cert: pem(certs.brokerCert),
    key: pem(certs.brokerKey),
    ...tls,
  });
  return broker;
}

function gate(tls: ConstructorParameters<typeof MqttConnection>[0]['tls']): MqttConnection {
  const connection = new MqttConnection({
    url: `mqtts://127.0.0.1:${broker!.tlsPort}`,
    username: 'gate-a',
    password: USERS['gate-a']!.password,
    clientId: 'A',
    log: quietLogger(),
    connectTimeoutMs: 3000,
    ...(tls ? { tls } : {}),
  });
  connections.push(connection);
  return connection;
}

describe('MQTT over TLS', () => {
  it('connects a gate that trusts the site CA, with TCP_NODELAY, and carries its messages', async () => {
    await startBroker();
    const service = new MqttConnection({
      url: `mqtt://127.0.0.1:${broker!.port}`,
      username: 'cloud',
      password: USERS.cloud!.password,
      clientId: 'cloud-1',
      log: quietLogger(),
    });
    connections.push(service);
    await service.start();
    const got = new Promise<string>(
      (resolve) =>
        void service.subscribe(topics.allAuthRequests, (_t, payload) => resolve(payload.toString()), 1),
    );
    const g = gate({ ca: pem(certs.ca) });
    await g.start();
    expect((g.socket as unknown as { encrypted?: boolean }).encrypted).toBe(true);
    await g.publish(topics.authRequest('A'), 'over tls', { qos: 1 });
    expect(await got).toBe('over tls');
  });

  it('refuses a broker whose certificate the gate does not trust, in one line', async () => {
    await startBroker();
    const error = await gate({ ca: pem(certs.otherCa) })
      .start()
      .catch((e: Error) => e);
    expect((error as Error).message).toMatch(/certificate/i);
    expect((error as Error).message).not.toContain('\n');
  });

  it('closes with a connection on the TLS port that never starts its handshake', async () => {
    await startBroker();
    const { createConnection } = await import('node:net');
    const idle = createConnection({ host: '127.0.0.1', port: broker!.tlsPort! });
    idle.on('error', () => {});
    await new Promise((resolve) => idle.once('connect', resolve));
    await broker!.close();
    broker = undefined;
    idle.destroy();
  });

  it('with a client CA, lets in only a gate that presents a certificate it issued', async () => {
    await startBroker({ clientCa: pem(certs.ca) });
    const without = await gate({ ca: pem(certs.ca) })
      .start()
      .catch((e: Error) => e);
    expect(without).toBeInstanceOf(Error);
    expect(broker!.stats.tlsFailures).toBeGreaterThanOrEqual(1);
    await gate({ ca: pem(certs.ca), cert: pem(certs.gateCert), key: pem(certs.gateKey) }).start();
  });
});

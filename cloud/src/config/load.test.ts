import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load.js';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({ env: {} });
    // Unset ports mean the defaults (8080, 1883) or the next free port; see util/ports.ts.
    expect([config.httpPort, config.mqttPort]).toEqual([undefined, undefined]);
    expect(config).toMatchObject({
      reservationHold: 15 * 60_000,
      admissionWindow: 120_000,
    });
    expect(config.databaseUrl).toMatch(/^sqlite:.*data\/parkinglot\.sqlite$/);
  });

  it('takes the environment over the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parkinglot-config-'));
    const file = join(dir, 'cloud.json');
    writeFileSync(file, JSON.stringify({ httpPort: 9000, mqttPort: 9001, reservationHold: '30m' }));
    const config = loadConfig({ file, env: { PARKING_HTTP_PORT: '9100' } });
    expect(config).toMatchObject({ httpPort: 9100, mqttPort: 9001, reservationHold: 30 * 60_000 });
  });

  it('asks for the TLS listener and its certificate together', () => {
    expect(() => loadConfig({ env: { PARKING_MQTT_TLS_PORT: '8883' } })).toThrow(/mqttTlsCert.*needs/s);
    expect(() => loadConfig({ env: { PARKING_MQTT_TLS_CERT: 'broker.pem' } })).toThrow(/no mqttTlsPort/);
    const config = loadConfig({
      env: { PARKING_MQTT_TLS_PORT: '8883', PARKING_MQTT_TLS_CERT: 'b.pem', PARKING_MQTT_TLS_KEY: 'b.key' },
    });
    expect(config).toMatchObject({ mqttTlsPort: 8883, mqttTlsCert: 'b.pem', mqttTlsKey: 'b.key' });
  });

  it('reports every bad setting at once, each by its variable', () => {
    let error: unknown;
    try {
      loadConfig({
        env: {
          PARKING_HTTP_PORT: 'eighty',
          PARKING_RESERVATION_HOLD: 'soon',
          PARKING_OPERATOR_TOKEN: 'short',
          PARKING_MQTT_URL: 'http://x',
        },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'PARKING_HTTP_PORT',
      'PARKING_RESERVATION_HOLD',
      'PARKING_OPERATOR_TOKEN',
      'PARKING_MQTT_URL',
    ]) {
      expect(problems).toContain(name);
    }
  });

  it('names a missing or broken config file and an unknown key', () => {
    expect(() => loadConfig({ file: '/nonexistent/cloud.json', env: {} })).toThrow(/config file .*ENOENT/);
    const dir = mkdtempSync(join(tmpdir(), 'parkinglot-config-'));
    writeFileSync(join(dir, 'bad.json'), '{ not json');
    expect(() => loadConfig({ file: join(dir, 'bad.json'), env: {} })).toThrow(/not a JSON object/);
    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ htpPort: 1 }));
    expect(() => loadConfig({ file: join(dir, 'typo.json'), env: {} })).toThrow(/unknown setting "htpPort"/);
  });

  it('bounds every duration: a zero admission window would switch its guard off', () => {
    for (const [name, value] of [
      ['PARKING_ADMISSION_WINDOW', '0'],
      ['PARKING_RESERVATION_HOLD', '300000000d'],
      ['PARKING_EXPIRY_SWEEP_INTERVAL', '30d'],
    ]) {
      expect(() => loadConfig({ env: { [name as string]: value } })).toThrow(
        new RegExp(`${name}.*must be between`),
      );
    }
  });
});

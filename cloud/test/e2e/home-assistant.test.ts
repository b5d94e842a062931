/**
 * Home Assistant MQTT discovery, as Home Assistant sees it: an operator account reading the retained
 * `homeassistant/…` configs, and pressing the entities they describe, through the audited path.
 */
import type { Socket } from 'node:net';
import { type GateCommand, topics } from '@parkinglot/shared';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../src/testing/eventually.js';
import { startSite, type TestSite } from '../../src/testing/site.js';

type Config = Record<string, unknown> & {
  device: { identifiers: string[]; name: string };
  unique_id: string;
};

describe('Home Assistant discovery', () => {
  let env: TestSite;
  let ha: MqttClient;
  const configs = new Map<string, Config | null>();
  const received: GateCommand[] = [];

  beforeAll(async () => {
    env = await startSite(['H-1'], { haDiscovery: true, commandTimeout: '2s' });
    const { entry } = env;
    await entry.client.subscribeAsync(topics.command(entry.gateId), { qos: 1 });
    entry.client.on('message', (topic, payload) => {
      if (topic !== topics.command(entry.gateId)) return;
      const command = JSON.parse(payload.toString()) as GateCommand;
      received.push(command);
      void entry.client.publishAsync(
        topics.commandResponse(entry.gateId),
        JSON.stringify({ commandId: command.commandId, ok: true, at: new Date().toISOString() }),
        { qos: 1 },
      );
    });
    await entry.client.publishAsync(topics.availability(entry.gateId), 'online', { qos: 1, retain: true });
    await eventually(() => env.t.cloud.gateStatus.isOnline(entry.gateId));
    const account = await env.t.api.expect(201, 'POST', '/api/operators', {
      name: 'homeassistant',
      role: 'operator',
    });
    ha = await mqtt.connectAsync(env.t.cloud.mqttUrl, {
      username: 'homeassistant',
      password: account.token,
      clientId: 'homeassistant-1',
      reconnectPeriod: 0,
    });
    (ha.stream as Socket).setNoDelay?.(true);
    ha.on('message', (topic, payload) => {
      if (topic.startsWith('homeassistant/'))
        configs.set(topic, payload.length ? JSON.parse(payload.toString()) : null);
    });
    await ha.subscribeAsync('homeassistant/#', { qos: 1 });
  });
  afterAll(async () => {
    await ha?.endAsync();
    await env?.close();
  });

  const config = (topic: string) => configs.get(topic);

  it('describes each gate as a device: a barrier cover, a sensor per loop, a button, available with the gate', async () => {
    const g = env.entry.gateId;
    await eventually(() => configs.size >= 8);
    const cover = config(`homeassistant/cover/${g}/barrier/config`)!;
    expect(cover).toMatchObject({
      device_class: 'gate',
      unique_id: `parkinglot_${g}_barrier`,
      state_topic: `parking/gates/${g}/state`,
      availability_topic: `parking/gates/${g}/availability`,
      payload_available: 'online',
      payload_not_available: 'offline',
      command_topic: `parking/operators/homeassistant/ha/${g}/barrier`,
      device: {
        identifiers: [`parkinglot_${g}`],
        name: 'Central Garage North entry',
        manufacturer: 'parkinglot',
      },
    });
    for (const loop of ['arrival', 'passage']) {
      expect(config(`homeassistant/binary_sensor/${g}/loop_${loop}/config`)).toMatchObject({
        unique_id: `parkinglot_${g}_loop_${loop}`,
        state_topic: `parking/gates/${g}/state`,
        value_template: `{{ 'ON' if value_json.loops.${loop} else 'OFF' }}`,
        device: { identifiers: [`parkinglot_${g}`] },
      });
    }
    expect(config(`homeassistant/button/${g}/open/config`)).toMatchObject({
      command_topic: `parking/operators/homeassistant/ha/${g}/open`,
      payload_press: 'PRESS',
    });
    expect(config(`homeassistant/cover/${env.exit.gateId}/barrier/config`)).toBeTruthy();
    const ids = [...configs.values()].map((c) => c!.unique_id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('takes its button and barrier commands through the audited path', async () => {
    const g = env.entry.gateId;
    await ha.publishAsync(topics.homeAssistantCommand('homeassistant', g, 'open'), 'PRESS', { qos: 1 });
    await ha.publishAsync(topics.homeAssistantCommand('homeassistant', g, 'barrier'), 'CLOSE', { qos: 1 });
    await ha.publishAsync(topics.homeAssistantCommand('homeassistant', g, 'barrier'), 'EXPLODE', { qos: 1 });
    await ha.publishAsync(topics.homeAssistantCommand('homeassistant', g, 'constructor'), 'name', { qos: 1 });
    await ha.publishAsync(topics.homeAssistantCommand('homeassistant', g, 'barrier'), 'toString', { qos: 1 });
    await ha.publishAsync(topics.homeAssistantCommand('homeassistant', g, 'barrier'), 'OPEN', { qos: 1 });
    await eventually(() => received.length >= 3);
    // With two instances each takes some of them: in whatever order, exactly these.
    expect(received.map((c) => `${c.action} by ${c.by}`).sort()).toEqual([
      'open by homeassistant',
      'open by homeassistant',
      'release by homeassistant',
    ]);
    await eventually(async () => {
      const audit = await env.t.api.expect(200, 'GET', `/api/commands?gateId=${g}`);
      return (
        audit.items.length === 3 &&
        audit.items.every(
          (c: { via: string; outcome: string }) => c.via === 'homeassistant' && c.outcome === 'ok',
        )
      );
    });
  });

  it('takes no Home Assistant command from another account', async () => {
    const other = await env.t.api.expect(201, 'POST', '/api/operators', {
      name: 'mallory',
      role: 'operator',
    });
    const client = await mqtt.connectAsync(env.t.cloud.mqttUrl, {
      username: 'mallory',
      password: other.token,
      clientId: 'mallory-1',
      reconnectPeriod: 0,
    });
    const before = received.length;
    await Promise.race([
      client
        .publishAsync(topics.homeAssistantCommand('homeassistant', env.entry.gateId, 'open'), 'PRESS', {
          qos: 1,
        })
        .catch(() => undefined),
      new Promise<void>((resolve) => client.once('close', () => resolve())),
    ]);
    await client.endAsync(true);
    // Home Assistant's own press after it is carried out; the other one never was.
    await ha.publishAsync(topics.homeAssistantCommand('homeassistant', env.entry.gateId, 'open'), 'PRESS', {
      qos: 1,
    });
    await eventually(() => received.length > before);
    expect(received.slice(before).map((c) => c.by)).toEqual(['homeassistant']);
  });

  it('removes a deactivated gate’s entities', async () => {
    const g = env.exit.gateId;
    await env.t.api.expect(200, 'POST', `/api/gates/${g}/deactivate`);
    const mine = () => [...configs.keys()].filter((topic) => topic.includes(`/${g}/`));
    expect(mine()).toHaveLength(4);
    await eventually(() => mine().every((topic) => config(topic) === null));
  });
});

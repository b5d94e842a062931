/**
 * Named operator accounts with roles, on both brokers: their HTTP tokens and MQTT logins, the ACL
 * that keeps a command's `by` honest, rotation and disabling, and the audit of every command.
 */
import type { Socket } from 'node:net';
import { type GateCommand, topics } from '@parkinglot/shared';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../src/testing/api.js';
import type { TestCloud } from '../../src/testing/cloud.js';
import { eventually } from '../../src/testing/eventually.js';
import type { TestGate } from '../../src/testing/gate.js';
import { startSite, type TestSite } from '../../src/testing/site.js';

interface Account {
  id: string;
  name: string;
  role: string;
  token: string;
  mqtt: { username: string; password: string };
}

describe('operator accounts', () => {
  let env: TestSite;
  let t: TestCloud;
  let entry: TestGate;
  let viewer: Account;
  let otto: Account;
  const clients: MqttClient[] = [];
  /** Commands the entry gate received, as the cloud sent them. */
  const received: GateCommand[] = [];
  let gateAnswers: 'ok' | 'silent' = 'ok';

  beforeAll(async () => {
    env = await startSite(['A-1'], { commandTimeout: '300ms' });
    ({ t, entry } = env);
    viewer = await t.api.expect(201, 'POST', '/api/operators', { name: 'vera', role: 'viewer' });
    otto = await t.api.expect(201, 'POST', '/api/operators', { name: 'otto', role: 'operator' });
    // The entry gate is online and carries out what the cloud sends it.
    await entry.client.subscribeAsync(topics.command(entry.gateId), { qos: 1 });
    entry.client.on('message', (topic, payload) => {
      if (topic !== topics.command(entry.gateId)) return;
      const command = JSON.parse(payload.toString()) as GateCommand;
      received.push(command);
      if (gateAnswers === 'silent') return;
      void entry.client.publishAsync(
        topics.commandResponse(entry.gateId),
        JSON.stringify({ commandId: command.commandId, ok: true, at: new Date().toISOString() }),
        { qos: 1 },
      );
    });
    await entry.client.publishAsync(topics.availability(entry.gateId), 'online', { qos: 1, retain: true });
    await eventually(() => t.cloud.gateStatus.isOnline(entry.gateId));
  });
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true).catch(() => undefined);
    await env?.close();
  });

  const login = async (account: { name: string }, password: string, clientId = `${account.name}-test`) => {
    const client = await mqtt.connectAsync(t.cloud.mqttUrl, {
      username: account.name,
      password,
      clientId,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    (client.stream as Socket).setNoDelay?.(true);
    clients.push(client);
    return client;
  };
  const as = (account: Account) => new Api(t.cloud.httpUrl, account.token);
  /** Publishes a command on `topic` and waits for the broker to take it or refuse it (aedes then disconnects). */
  const publishRefusedOrNot = (client: MqttClient, topic: string, payload: object) =>
    Promise.race([
      client.publishAsync(topic, JSON.stringify(payload), { qos: 1 }).catch(() => undefined),
      new Promise<void>((resolve) => client.once('close', () => resolve())),
    ]);
  const answerOn = async (client: MqttClient, name: string) => {
    const answers = new Map<string, { outcome: string; ok: boolean; error?: string }>();
    client.on('message', (topic, payload) => {
      if (topic === topics.operatorCommandResponse(name)) {
        const answer = JSON.parse(payload.toString());
        answers.set(answer.commandId, answer);
      }
    });
    await client.subscribeAsync(topics.operatorCommandResponse(name), { qos: 1 });
    return answers;
  };

  it('gives the first start’s token to the first admin, who cannot be rotated or disabled through the API', async () => {
    const me = await t.api.expect(200, 'GET', '/api/operators/me');
    expect(me).toMatchObject({ name: 'operator', role: 'admin', configured: true, disabled: false });
    expect((await t.api.expect(409, 'POST', `/api/operators/${me.id}/token`)).error).toBe(
      'configured_account',
    );
    expect((await t.api.expect(409, 'POST', `/api/operators/${me.id}/disable`)).error).toBe(
      'configured_account',
    );
    const list = await t.api.expect(200, 'GET', '/api/operators');
    expect(list.items.map((a: { name: string }) => a.name)).toEqual(['operator', 'otto', 'vera']);
    expect(JSON.stringify(list)).not.toContain(otto.token);
  });

  it('refuses a bad name, a taken name and an unknown id clearly', async () => {
    expect(
      (await t.api.expect(400, 'POST', '/api/operators', { name: 'Bad-Name', role: 'viewer' })).error,
    ).toBe('validation_failed');
    expect(
      (await t.api.expect(400, 'POST', '/api/operators', { name: 'parkinglot', role: 'viewer' })).error,
    ).toBe('validation_failed');
    expect((await t.api.expect(400, 'POST', '/api/operators', { name: 'ana', role: 'root' })).error).toBe(
      'validation_failed',
    );
    expect((await t.api.expect(409, 'POST', '/api/operators', { name: 'otto', role: 'viewer' })).error).toBe(
      'name_taken',
    );
    expect((await t.api.expect(404, 'POST', '/api/operators/opr_nosuch/disable')).error).toBe(
      'operator_not_found',
    );
  });

  it('lets each role do what it is for over HTTP, and no more', async () => {
    const facilityId = env.site.facility.id;
    await as(viewer).expect(200, 'GET', `/api/facilities/${facilityId}`);
    await as(viewer).expect(200, 'GET', '/api/events?after=0');
    expect((await as(viewer).expect(403, 'POST', '/api/facilities', { name: 'Nope' })).message).toMatch(
      /admin role; vera is a viewer/,
    );
    await as(viewer).expect(403, 'POST', `/api/gates/${entry.gateId}/commands`, {
      action: 'open',
      reason: 'x',
    });
    await as(viewer).expect(403, 'GET', '/api/operators');
    await as(otto).expect(403, 'POST', '/api/members', { name: 'X', plates: ['11가1111'] });
    await as(otto).expect(403, 'POST', '/api/operators', { name: 'eve', role: 'admin' });
    const me = await as(otto).expect(200, 'GET', `/api/operators/${otto.id}`);
    expect(me).toMatchObject({ name: 'otto', role: 'operator', mqtt: { username: 'otto' } });
    await as(otto).expect(403, 'GET', `/api/operators/${viewer.id}`);
  });

  it('sends an HTTP command through the audited path, signed by the account', async () => {
    const result = await as(otto).expect(200, 'POST', `/api/gates/${entry.gateId}/commands`, {
      action: 'open',
      reason: 'delivery van',
    });
    expect(result).toMatchObject({ gateId: entry.gateId, outcome: 'ok', ok: true });
    expect(received.at(-1)).toMatchObject({
      commandId: result.commandId,
      by: 'otto',
      reason: 'delivery van',
    });
    const unknown = await as(otto).expect(404, 'POST', '/api/gates/gate_nosuch/commands', {
      action: 'open',
      reason: 'x',
    });
    expect(unknown.error).toBe('gate_not_found');
    await as(otto).expect(400, 'POST', `/api/gates/${entry.gateId}/commands`, {
      action: 'explode',
      reason: 'x',
    });
    await as(otto).expect(400, 'POST', `/api/gates/${entry.gateId}/commands`, { action: 'open' });
  });

  it('answers offline and timeout as such, and records them', async () => {
    const offline = await as(otto).expect(409, 'POST', `/api/gates/${env.exit.gateId}/commands`, {
      action: 'open',
      reason: 'stuck',
    });
    expect(offline).toMatchObject({ error: 'gate_offline', details: { outcome: 'offline' } });
    gateAnswers = 'silent';
    try {
      const timeout = await as(otto).expect(504, 'POST', `/api/gates/${entry.gateId}/commands`, {
        action: 'hold_open',
        reason: 'event traffic',
      });
      expect(timeout).toMatchObject({ error: 'gate_timeout', details: { outcome: 'timeout' } });
    } finally {
      gateAnswers = 'ok';
    }
    const audit = await as(viewer).expect(200, 'GET', '/api/commands?limit=2');
    expect(audit.items.map((c: { outcome: string }) => c.outcome)).toEqual(['timeout', 'offline']);
    expect(audit.nextCursor).toEqual(expect.any(String));
    const rest = await as(viewer).expect(200, 'GET', `/api/commands?limit=2&cursor=${audit.nextCursor}`);
    expect(rest.items.map((c: { outcome: string }) => c.outcome)).toEqual(['ok']);
    expect(rest.nextCursor).toBeNull();
    expect((await as(viewer).expect(400, 'GET', '/api/commands?cursor=garbage')).error).toBe('bad_cursor');
  });

  it('takes MQTT commands only on the account’s own topic, and only from operators and admins', async () => {
    const ottoClient = await login(otto, otto.token);
    const answers = await answerOn(ottoClient, 'otto');
    const before = received.length;
    // Straight to the gate, or on another account's topic: the broker refuses both.
    const sneaky = await login(otto, otto.token, 'otto-sneaky');
    await publishRefusedOrNot(sneaky, topics.command(entry.gateId), {
      commandId: 'cmd-direct',
      action: 'open',
      reason: 'skip the audit',
      by: 'operator',
    });
    const sneaky2 = await login(otto, otto.token, 'otto-sneaky2');
    await publishRefusedOrNot(sneaky2, topics.operatorCommand('vera'), {
      commandId: 'cmd-as-vera',
      gateId: entry.gateId,
      action: 'open',
      reason: 'blame vera',
    });
    const veraClient = await login(viewer, viewer.token);
    await publishRefusedOrNot(veraClient, topics.operatorCommand('vera'), {
      commandId: 'cmd-viewer',
      gateId: entry.gateId,
      action: 'open',
      reason: 'viewers only look',
    });
    await ottoClient.publishAsync(
      topics.operatorCommand('otto'),
      JSON.stringify({
        commandId: 'cmd-otto-1',
        gateId: entry.gateId,
        action: 'open',
        reason: 'taxi',
        by: 'operator',
      }),
      { qos: 1 },
    );
    await eventually(() => answers.has('cmd-otto-1'));
    expect(answers.get('cmd-otto-1')).toMatchObject({ outcome: 'ok', ok: true });
    expect(received.slice(before).map((c) => [c.commandId, c.by])).toEqual([['cmd-otto-1', 'otto']]);
    const audit = await t.api.expect(200, 'GET', `/api/commands?operatorId=${otto.id}`);
    expect(audit.items.map((c: { commandId: string }) => c.commandId)).not.toContain('cmd-as-vera');
    expect(audit.items[0]).toMatchObject({ commandId: 'cmd-otto-1', via: 'mqtt', by: 'otto' });

    // Delivered again (QoS 1 may): the same answer, and the gate is not asked twice.
    await ottoClient.publishAsync(
      topics.operatorCommand('otto'),
      JSON.stringify({ commandId: 'cmd-otto-1', gateId: entry.gateId, action: 'open', reason: 'taxi' }),
      { qos: 1 },
    );
    await ottoClient.publishAsync(
      topics.operatorCommand('otto'),
      JSON.stringify({ commandId: 'cmd-otto-bad', gateId: 'no such gate!', action: 'open', reason: 'x' }),
      { qos: 1 },
    );
    await eventually(() => answers.has('cmd-otto-bad'));
    expect(answers.get('cmd-otto-bad')).toMatchObject({ outcome: 'invalid', ok: false });
    expect(received.filter((c) => c.commandId === 'cmd-otto-1')).toHaveLength(1);
  });

  it('puts both ends of every command in the event log', async () => {
    const { events } = await t.api.expect(200, 'GET', '/api/events?after=0&limit=1000');
    const issued = events.filter((e: { type: string }) => e.type === 'GateCommandIssued');
    const answered = events.filter((e: { type: string }) => e.type === 'GateCommandAnswered');
    expect(issued.length).toBeGreaterThanOrEqual(4);
    expect(answered.map((e: { data: { commandId: string } }) => e.data.commandId).sort()).toEqual(
      issued.map((e: { data: { commandId: string } }) => e.data.commandId).sort(),
    );
    expect(
      issued.find((e: { data: { commandId: string } }) => e.data.commandId === 'cmd-otto-1').data,
    ).toMatchObject({
      by: 'otto',
      operatorId: otto.id,
      gateId: entry.gateId,
      reason: 'taxi',
      via: 'mqtt',
    });
  });

  it('ends the sessions of a rotated account at once, and takes only the new token', async () => {
    const session = await login(otto, otto.token, 'otto-rotated');
    const cut = new Promise<void>((resolve) => session.once('close', () => resolve()));
    const rotated = await t.api.expect(200, 'POST', `/api/operators/${otto.id}/token`);
    expect(rotated.token).not.toBe(otto.token);
    await cut;
    await as(otto).expect(401, 'GET', '/api/operators/me');
    await expect(login(otto, otto.token, 'otto-old')).rejects.toThrow();
    otto = { ...otto, token: rotated.token };
    await as(otto).expect(200, 'GET', '/api/operators/me');
    await login(otto, rotated.token, 'otto-new');
  });

  it('cuts a disabled account off on HTTP and MQTT, and keeps it listed as disabled', async () => {
    const session = await login(viewer, viewer.token, 'vera-watch');
    await session.subscribeAsync('parking/#', { qos: 1 });
    const cut = new Promise<void>((resolve) => session.once('close', () => resolve()));
    // Her live view's stream too, on whichever instance serves it.
    const stream = await fetch(`${(t.peers[0] ?? t.cloud).httpUrl}/api/stream`, {
      headers: { authorization: `Bearer ${viewer.token}` },
    });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    const streamEnded = (async () => {
      for (;;) if ((await reader.read()).done) return;
    })();
    const disabled = await t.api.expect(200, 'POST', `/api/operators/${viewer.id}/disable`);
    expect(disabled).toMatchObject({ name: 'vera', disabled: true });
    await cut;
    await streamEnded;
    await as(viewer).expect(401, 'GET', '/api/events');
    await expect(login(viewer, viewer.token, 'vera-again')).rejects.toThrow();
    await t.api.expect(409, 'POST', `/api/operators/${viewer.id}/token`);
    const { events } = await t.api.expect(200, 'GET', '/api/events?after=0&limit=1000');
    expect(events.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['OperatorAccountCreated', 'OperatorTokenRotated', 'OperatorAccountDisabled']),
    );
  });
});

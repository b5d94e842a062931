/**
 * The console as an operator runs it: a real process against a real cloud and broker (the variant's:
 * aedes, or Mosquitto with two instances), its output read as a person or a program would.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, startSite, type TestGate, type TestSite } from '@parkinglot/cloud/testing';
import { type GateCommand, topics } from '@parkinglot/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CONSOLE_DIR = fileURLToPath(new URL('..', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts the console; `untilOut` ends it (SIGINT) once its output holds the text. */
function runConsole(
  args: string[],
  options: { env?: Record<string, string>; untilOut?: (out: string) => boolean; onStart?: () => void } = {},
) {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts', ...args], {
    cwd: CONSOLE_DIR,
    env: { ...process.env, NO_COLOR: '1', PARKING_DATA_DIR: '/nonexistent', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString('utf8');
    if (options.untilOut?.(stdout)) child.kill('SIGINT');
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
    if (stderr.includes('watching')) options.onStart?.();
  });
  return new Promise<Run>((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('parkinglot-console', () => {
  let env: TestSite;
  let entry: TestGate;
  let flags: string[];
  let refuseNext = false;

  beforeAll(async () => {
    env = await startSite(['C-1', 'C-2'], { commandTimeout: '2s' });
    entry = env.entry;
    const { t } = env;
    flags = [
      '--cloud',
      t.cloud.httpUrl,
      '--mqtt',
      t.cloud.mqttUrl,
      '--user',
      'operator',
      '--token',
      t.cloud.operatorToken,
    ];
    await entry.client.subscribeAsync(topics.command(entry.gateId), { qos: 1 });
    entry.client.on('message', (topic, payload) => {
      if (topic !== topics.command(entry.gateId)) return;
      const command = JSON.parse(payload.toString()) as GateCommand;
      const refused = refuseNext;
      refuseNext = false;
      void entry.client.publishAsync(
        topics.commandResponse(entry.gateId),
        JSON.stringify({
          commandId: command.commandId,
          ok: !refused,
          ...(refused ? { error: 'the barrier is not being held open' } : {}),
          at: new Date().toISOString(),
        }),
        { qos: 1 },
      );
    });
    await entry.client.publishAsync(topics.availability(entry.gateId), 'online', { qos: 1, retain: true });
    await entry.client.publishAsync(
      topics.state(entry.gateId),
      JSON.stringify({
        barrier: 'closed',
        phase: 'idle',
        loops: { arrival: false },
        cloudLink: 'up',
        outboxDepth: 0,
        alarms: [],
        lastRead: { kind: 'plate', value: '12가3456', at: '2026-12-01T08:00:00.000Z' },
      }),
      { qos: 1, retain: true },
    );
    await eventually(() => t.cloud.gateStatus.isOnline(entry.gateId));
  });
  afterAll(async () => env?.close());

  it('lists every gate from the retained state, as a table and as JSON', async () => {
    const run = await runConsole([...flags, 'gates']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^GATE\s+ID\s+FACILITY\s+DIR\s+ONLINE\s+BARRIER\s+PHASE\s+LINK\s+OUTBOX\s+ALARMS\s+LAST READ$/,
    );
    const entryLine = lines.find((l) => l.includes(entry.gateId))!;
    expect(entryLine).toMatch(
      /North entry .* Central Garage\s+entry\s+online\s+closed\s+idle\s+up\s+0\s+-\s+12가3456/,
    );
    expect(lines.find((l) => l.includes(env.exit.gateId))).toMatch(/exit\s+unknown/);
    const json = await runConsole([...flags, '--json', 'gates']);
    const rows = JSON.parse(json.stdout) as { id: string; availability: string }[];
    expect(rows.find((r) => r.id === entry.gateId)?.availability).toBe('online');
  });

  it('opens a gate by name and exits 0 only on ok; says why otherwise and exits 1', async () => {
    const ok = await runConsole([...flags, 'open', 'North entry', '--reason', 'visitor at the gate']);
    expect(ok.stdout).toContain('open done');
    expect(ok.code).toBe(0);
    refuseNext = true;
    const refused = await runConsole([...flags, 'release', entry.gateId, '--reason', 'nothing held']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('the gate refused: the barrier is not being held open');
    const offline = await runConsole([...flags, 'open', 'North exit', '--reason', 'stuck']);
    expect(offline.code).toBe(1);
    expect(offline.stderr).toMatch(/offline, not sent/);
    const audit = await env.t.api.expect(200, 'GET', `/api/commands?gateId=${entry.gateId}`);
    expect(audit.items[1]).toMatchObject({
      by: 'operator',
      reason: 'visitor at the gate',
      outcome: 'ok',
      via: 'mqtt',
    });
  });

  it('says clearly what is wrong with its settings or its login', async () => {
    const missing = await runConsole(['gates']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing the cloud's address .*PARKING_CLOUD_URL/);
    const unknownGate = await runConsole([...flags, 'open', 'Nowhere', '--reason', 'x']);
    expect(unknownGate.code).toBe(1);
    expect(unknownGate.stderr).toContain('no active gate is named or numbered "Nowhere"');
    const noReason = await runConsole([...flags, 'open', entry.gateId]);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain("required option '--reason <text>'");
    const viewer = await env.t.api.expect(201, 'POST', '/api/operators', { name: 'vic', role: 'viewer' });
    const asViewer = [
      '--cloud',
      env.t.cloud.httpUrl,
      '--mqtt',
      env.t.cloud.mqttUrl,
      '--user',
      'vic',
      '--token',
      viewer.token,
    ];
    const wrongToken = await runConsole([...asViewer.slice(0, -1), 'not-the-token', 'gates']);
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).toMatch(/401|refused the account name or token/);
    const viewerGates = await runConsole([...asViewer, 'gates']);
    expect(viewerGates.code).toBe(0);
  });

  it('takes its settings from the environment, then from the data directory npm start wrote', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parkinglot-console-'));
    writeFileSync(
      join(dir, 'cloud.json'),
      JSON.stringify({ httpUrl: env.t.cloud.httpUrl, mqttUrl: env.t.cloud.mqttUrl }),
    );
    writeFileSync(join(dir, 'operator-token'), `${env.t.cloud.operatorToken}\n`);
    const fromData = await runConsole(['--json', 'gates'], { env: { PARKING_DATA_DIR: dir } });
    expect(fromData.code).toBe(0);
    const fromEnv = await runConsole(['--json', 'gates'], {
      env: {
        PARKING_CLOUD_URL: env.t.cloud.httpUrl,
        PARKING_BROKER_URL: env.t.cloud.mqttUrl,
        PARKING_OPERATOR: 'operator',
        PARKING_TOKEN: env.t.cloud.operatorToken,
      },
    });
    expect(fromEnv.code).toBe(0);
  });

  it('keeps accounts: create, rotate, disable', async () => {
    const created = await runConsole([
      ...flags,
      '--json',
      'accounts',
      'create',
      'desk.two',
      '--role',
      'operator',
    ]);
    expect(created.code).toBe(0);
    const account = JSON.parse(created.stdout) as { name: string; token: string };
    expect(account).toMatchObject({ name: 'desk.two', role: 'operator' });
    const desk = [
      '--cloud',
      env.t.cloud.httpUrl,
      '--mqtt',
      env.t.cloud.mqttUrl,
      '--user',
      'desk.two',
      '--token',
      account.token,
    ];
    expect((await runConsole([...desk, 'open', entry.gateId, '--reason', 'courier'])).code).toBe(0);
    const rotated = await runConsole([...flags, 'accounts', 'rotate', 'desk.two']);
    expect(rotated.stdout).toMatch(/token \(shown once/);
    expect((await runConsole([...desk, 'gates'])).code).toBe(1);
    const disabled = await runConsole([...flags, 'accounts', 'disable', 'desk.two']);
    expect(disabled.stdout).toMatch(/desk\.two\s+operator\s+disabled/);
    const list = await runConsole([...flags, 'accounts', 'list']);
    expect(list.stdout).toMatch(/operator\s+admin\s+active/);
  });

  it('watches: one line per thing that happens, filtered, as JSON lines', async () => {
    const member = await env.t.api.member('Watcher', ['77사7777']);
    const done = (out: string) => out.includes('"type":"SpaceReserved"') && out.includes('"kind":"decision"');
    const run = runConsole([...flags, '--json', 'watch', '--type', 'SpaceReserved,decision,alarm'], {
      untilOut: done,
      onStart: () => {
        void (async () => {
          await env.t.api.reserve(member.token, env.site.spaces[1].id, '77사7777');
          await entry.authorize({ kind: 'plate', value: '77사7777' });
        })();
      },
    });
    const result = await run;
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; type: string; text: string; gateId: string | null });
    expect(lines.map((l) => l.type)).toEqual(expect.arrayContaining(['SpaceReserved', 'allow']));
    expect(
      lines.every((l) => ['SpaceReserved', 'allow', 'deny'].includes(l.type) || l.kind === 'alarm'),
    ).toBe(true);
    expect(lines.find((l) => l.kind === 'decision')).toMatchObject({
      gateId: entry.gateId,
      text: expect.stringMatching(/allow \(reservation_active\) → space C-2/),
    });
  });
});

/**
 * Nothing lost across a SIGKILL: a real agent process on emulated hardware (firmware-sim over TCP)
 * lets cars out while the cloud is down, is killed with SIGKILL, comes back on the same data
 * directory, and once the cloud returns every Ended arrives and is applied exactly once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { event, startTestCloud, type TestCloud, TestGate } from '@parkinglot/cloud/testing';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PINS, type SimGate, startSimGate } from './sim-gate.js';
import { until } from './support.js';

const edgeDir = join(import.meta.dirname, '..');

describe('edge agent process across SIGKILL', () => {
  let t: TestCloud;
  let sim: SimGate;
  let child: ChildProcess | null = null;
  let stderr = '';
  const plates = ['11가1111', '22나2222', '33다3333', '44라4444', '55마5555'];
  let configFile: string;
  let gateId: string;

  const startChild = async () => {
    const proc = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'src/main.ts', '--config', configFile],
      {
        cwd: edgeDir,
        env: { ...process.env, PARKING_EDGE_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    proc.stdout?.on('data', (d) => {
      stdout += d;
    });
    proc.stderr?.on('data', (d) => {
      stderr += d;
    });
    child = proc;
    await until(() => stdout.includes('parkinglot edge agent'), 20_000);
    await until(() => sim.cameraClients() > 0, 10_000);
    return proc;
  };

  beforeAll(async () => {
    t = await startTestCloud();
    const site = await t.api.seedFacility(plates.map((_, i) => `K-${i}`));
    // Every car is inside: reserved, admitted, Started.
    const entry = await TestGate.connect(t.cloud.mqttUrl, site.entry.mqtt.username, site.entry.mqtt.password);
    for (const [i, plate] of plates.entries()) {
      const m = await t.api.member(`Driver ${i}`, [plate]);
      const r = await t.api.expect(
        201,
        'POST',
        '/api/reservations',
        { spaceId: site.spaces[i].id, plate },
        m.token,
      );
      const started = event('Started', { kind: 'plate', value: plate }, { reservationId: r.id });
      await entry.sendEvents(started, started.eventId);
    }
    await entry.close();
    gateId = site.exit.id;

    sim = await startSimGate();
    const dataDir = mkdtempSync(join(tmpdir(), 'parkinglot-sigkill-'));
    configFile = join(dataDir, 'gate.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        gateId: site.exit.id,
        direction: 'exit',
        mqtt: { url: t.cloud.mqttUrl, password: site.exit.mqtt.password, reconnectPeriodMs: 200 },
        dataDir,
        plateReader: { path: sim.cameraPath, minConfidence: 0.8 },
        board: {
          path: sim.boardPath,
          readyTimeoutMs: 10_000,
          barrier: {
            relayPin: PINS.relay,
            limitSwitchPin: PINS.closedLimit,
            openTimeMs: 100,
            closeTimeMs: 100,
          },
          loops: {
            arrival: { pin: PINS.arrival, debounceMs: 0 },
            passage: { pin: PINS.passage, debounceMs: 0 },
          },
        },
        outbox: { ackTimeoutMs: 1000, retryMs: 200 },
      }),
    );
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await sim?.close();
    await t?.close();
  });

  it('lets cars out while the cloud is down, survives SIGKILL, and delivers every Ended exactly once', async () => {
    await t.down();
    let proc = await startChild();
    for (const plate of plates.slice(0, 3)) await sim.car(plate);

    // SIGKILL: no shutdown code runs. The three Ended events must already be on disk.
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;

    proc = await startChild();
    for (const plate of plates.slice(3)) await sim.car(plate);

    await t.restart();
    const db = () => t.cloud.ctx.db;
    await until(async () => {
      const open = await db()
        .selectFrom('parking_sessions')
        .select('id')
        .where('status', '=', 'open')
        .execute();
      return open.length === 0;
    }, 20_000);

    const ended = await db()
      .selectFrom('gate_events')
      .select(['event_id', 'credential_value', 'outcome'])
      .where('type', '=', 'Ended')
      .execute();
    expect(ended.map((e) => e.credential_value).sort()).toEqual([...plates].sort());
    expect(ended.every((e) => e.outcome === 'applied')).toBe(true);
    const parkingEnded = await db()
      .selectFrom('event_log')
      .select('id')
      .where('type', '=', 'ParkingEnded')
      .execute();
    expect(parkingEnded).toHaveLength(plates.length);
    const completed = await db()
      .selectFrom('reservations')
      .select('id')
      .where('status', '=', 'completed')
      .execute();
    expect(completed).toHaveLength(plates.length);
    expect(stderr).not.toMatch(/ERROR/);
  }, 90_000);

  it('stops cleanly on SIGTERM, saying offline first', async () => {
    const proc = child!;
    const operator = await mqtt.connectAsync(t.cloud.mqttUrl, {
      username: 'operator',
      password: t.cloud.operatorToken,
      clientId: `operator-test-${Math.random().toString(16).slice(2, 8)}`,
    });
    const history: string[] = [];
    operator.on('message', (_topic, payload) => history.push(payload.toString()));
    await operator.subscribeAsync(`parking/gates/${gateId}/availability`, { qos: 1 });
    await until(() => history.at(-1) === 'online');
    const code = await new Promise<number | null>((resolve) => {
      proc.once('exit', resolve);
      proc.kill('SIGTERM');
    });
    expect(code).toBe(0);
    child = null;
    await until(() => history.at(-1) === 'offline');
    await operator.endAsync();
  });
});

/**
 * A whole site for a scenario: the cloud process, one entry and one exit gate of emulated hardware,
 * and an edge agent process per gate, wired over real TCP as they would be in a deployment.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GateDevices, startGateDevices } from '../cli/devices.js';
import type { CarPlan } from './cast.js';
import { CloudClient } from './cloud-client.js';
import { type GateHardware, gateHardware } from './drive.js';
import { freePort, type Proc, type Programs, startCloudProcess, startEdgeProcess } from './processes.js';
import type { ScenarioGates } from './scenario.js';
import { type SeededSite, seedSite } from './seed.js';

export interface SiteRun {
  cloud: CloudClient;
  site: SeededSite;
  entry: GateHardware;
  exit: GateHardware;
  dataDir: string;
  /** Stops the cloud process (gates keep running: entries are denied, exits go on). */
  stopCloud(): Promise<void>;
  /** Starts the cloud again on the same data and ports. */
  startCloud(): Promise<void>;
  close(): Promise<void>;
}

export interface SiteOptions {
  cast: CarPlan[];
  /** Keep the data directory afterwards (it is printed). */
  keep?: boolean;
  /** The entry gate on an emulated GPIO chip (its agent with board.kind gpio), not a Firmata board. */
  gpio?: boolean;
  /** How long the emulated arms take to move; default 1500 ms, as a real barrier. */
  armTravelMs?: number;
  log?: (line: string) => void;
  /** Run the packaged, built programs with plain node instead of the sources under tsx. */
  programs?: Programs;
}

/**
 * An edge agent's configuration for a gate on these emulated devices: its readers' and board's
 * addresses, pins and arm timing, a quick reconnect and outbox retry for runs that cut the link.
 * `oneDriverAfterAnother`: the same plates come back to the same gate, which the camera would
 * otherwise take for repeat reads.
 */
export function agentConfig(
  gate: { id: string; password: string },
  direction: 'entry' | 'exit',
  mqttUrl: string,
  devices: GateDevices,
  dataDir: string,
  options: { logLevel?: string; oneDriverAfterAnother?: boolean } = {},
) {
  mkdirSync(dataDir, { recursive: true });
  const { edgeConfig } = devices.addresses;
  return {
    gateId: gate.id,
    direction,
    mqtt: { url: mqttUrl, password: gate.password, reconnectPeriodMs: 250 },
    dataDir,
    ...edgeConfig,
    ...(options.oneDriverAfterAnother
      ? { plateReader: { ...(edgeConfig.plateReader as object), duplicateWindowMs: 0 } }
      : {}),
    outbox: { ackTimeoutMs: 2000, retryMs: 250 },
    logLevel: options.logLevel ?? 'warn',
  };
}

/** A site's two gates as a scenario drives them, with the demo's timing. */
export function scenarioGates(run: SiteRun): ScenarioGates {
  return {
    entry: run.entry,
    exit: run.exit,
    entryGateId: run.site.entry.id,
    exitGateId: run.site.exit.id,
    reservations: run.site.reservations,
    decisionMs: 2500,
    settleMs: 8000,
  };
}

export async function startSite(options: SiteOptions): Promise<SiteRun> {
  const log = options.log ?? (() => undefined);
  const dataDir = mkdtempSync(join(tmpdir(), 'parkinglot-demo-'));
  const settings = {
    dataDir: join(dataDir, 'cloud'),
    httpPort: await freePort(),
    mqttPort: await freePort(),
    operatorToken: randomBytes(18).toString('base64url'),
  };
  const procs: Proc[] = [];
  const devices: GateDevices[] = [];
  let cloudProc: Proc | null = null;
  let cloud: CloudClient | null = null;
  // Every step runs whatever the one before it did: a failing close must not leave processes or files.
  const cleanup = async () => {
    const steps = [
      () => cloud?.close(),
      ...procs.splice(0).map((p) => () => p.stop()),
      () => cloudProc?.stop(),
      ...devices.splice(0).map((d) => () => d.close()),
    ];
    for (const step of steps) await Promise.resolve(step()).catch(() => undefined);
    if (!options.keep) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    log(`starting the cloud (embedded MQTT broker + sqlite in ${settings.dataDir})`);
    cloudProc = await startCloudProcess(settings, options.programs);
    const mqttUrl = `mqtt://127.0.0.1:${settings.mqttPort}`;
    const client = new CloudClient(`http://127.0.0.1:${settings.httpPort}`, mqttUrl, settings.operatorToken);
    cloud = client;
    await client.watch();
    const site = await seedSite(client, options.cast);
    log(
      `seeded ${site.spaces.length} spaces, an entry and an exit gate, ${site.reservations.size} reservations`,
    );

    const travel = options.armTravelMs ?? 1500;
    const entryDevices = await startGateDevices({
      openTimeMs: travel,
      closeTimeMs: travel,
      ...(options.gpio ? { kind: 'gpio' as const } : {}),
    });
    const exitDevices = await startGateDevices({ openTimeMs: travel, closeTimeMs: travel });
    devices.push(entryDevices, exitDevices);
    log(
      `emulated gate hardware (${options.gpio ? 'the entry on a GPIO chip, the exit on a Firmata board' : 'Firmata boards'}, ANPR cameras, RDM6300 readers) listening; starting edge agents`,
    );
    const { programs } = options;
    procs.push(
      await startEdgeProcess(
        agentConfig(site.entry, 'entry', mqttUrl, entryDevices, join(dataDir, 'edge-entry')),
        programs,
      ),
    );
    procs.push(
      await startEdgeProcess(
        agentConfig(site.exit, 'exit', mqttUrl, exitDevices, join(dataDir, 'edge-exit')),
        programs,
      ),
    );
    await client.gateOnline(site.entry.id, 15_000);
    await client.gateOnline(site.exit.id, 15_000);

    return {
      cloud: client,
      site,
      entry: gateHardware(entryDevices),
      exit: gateHardware(exitDevices),
      dataDir,
      async stopCloud() {
        await cloudProc?.stop();
        cloudProc = null;
      },
      async startCloud() {
        cloudProc = await startCloudProcess(settings, options.programs);
      },
      close: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

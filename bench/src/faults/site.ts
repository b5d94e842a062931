/**
 * The fault suite's site, all of it real processes over real TCP: a PostgreSQL server and a
 * Mosquitto (dynamic security) of its own, two cloud instances (`cloud/src/main.ts`), and the gates:
 * per gate its emulated hardware (Firmata board, ANPR camera) in this process, a link proxy between
 * its agent and the broker (so its uplink can be cut), and its agent in one of a few agent-host
 * processes. One gate's data directory is on a small tmpfs of its own, so its disk can fill.
 *
 * The gates' data directories are on a tmpfs: on a site each gate has a disk of its own, here fifty
 * share one, and fifty outboxes committing with fsync would measure the shared disk, not the system.
 * A tmpfs keeps what a SIGKILL must not lose (the file outlives the process), not what a power cut
 * would; the outbox's own tests cover that.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CloudProcess,
  startCloudProcess,
  startTestMosquitto,
  startTestPostgresServer,
  type TestMosquitto,
  type TestPostgresServer,
} from '@parkinglot/cloud/testing';
import {
  agentConfig,
  type GateDevices,
  type GateHardware,
  gateHardware,
  startGateDevices,
} from '@parkinglot/firmware-sim';
import { freePort, type LinkProxy, startLinkProxy } from '@parkinglot/platform/net';
import type { HostCommand, HostJob, HostMessage } from './agent-host.js';

export interface SitePlan {
  pairs: number;
  members: number;
  /** How long an emulated arm takes to move. */
  armTravelMs: number;
  log: (line: string) => void;
}

export interface SiteGate {
  id: string;
  direction: 'entry' | 'exit';
  pair: number;
  hw: GateHardware;
  devices: GateDevices;
  link: LinkProxy;
  /** Its MQTT password (its username is its id). */
  password: string;
  dataDir: string;
  host: number;
}

export interface Pair {
  index: number;
  entry: SiteGate;
  exit: SiteGate;
  spaces: string[];
  members: { plate: string; token: string }[];
}

interface Host {
  job: string;
  child: ChildProcess | null;
  gates: string[];
}

/** The gates whose faults need them apart: alone in a process, on a disk of their own, a clock of their own. */
export interface SpecialGates {
  /** The exit gate whose agent is SIGKILLed while it drains (alone in host 0). */
  killed: SiteGate;
  /** The exit gate whose data directory is a small tmpfs. */
  diskFull: SiteGate;
  /** The entry gate whose clock is set 10 minutes ahead. */
  skewed: SiteGate;
}

const HANGUL = ['가', '나', '다', '라', '마', '바', '사', '아', '자', '하'];
const GATES_PER_HOST = 10;

/** A cloud HTTP client that goes to whichever instance answers. */
export class SiteApi {
  constructor(
    private readonly urls: () => string[],
    readonly operatorToken: string,
  ) {}

  async call(
    method: string,
    path: string,
    body?: unknown,
    token: string = this.operatorToken,
  ): Promise<{ status: number; body: Record<string, unknown> } | null> {
    for (const url of this.urls()) {
      try {
        const res = await fetch(`${url}${path}`, {
          method,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(5_000),
        });
        const text = await res.text();
        if (res.status === 503) continue;
        return { status: res.status, body: text ? JSON.parse(text) : {} };
      } catch {
        // This instance is down or stopping: the next one.
      }
    }
    return null;
  }

  async must(method: string, path: string, body?: unknown, token?: string): Promise<Record<string, unknown>> {
    const res = await this.call(method, path, body, token);
    if (!res || res.status >= 300)
      throw new Error(
        `${method} ${path}: ${res ? `${res.status} ${JSON.stringify(res.body)}` : 'no instance answered'}`,
      );
    return res.body;
  }
}

export class FaultSite {
  readonly token = randomBytes(18).toString('hex');
  readonly dir = mkdtempSync(join(tmpdir(), 'parkinglot-faults-'));
  pg!: TestPostgresServer;
  broker!: TestMosquitto;
  readonly clouds: (CloudProcess | null)[] = [null, null];
  private readonly cloudEnv: Record<string, string>[] = [];
  readonly api = new SiteApi(() => this.clouds.flatMap((c) => (c ? [c.httpUrl] : [])), this.token);
  readonly pairs: Pair[] = [];
  readonly gates = new Map<string, SiteGate>();
  private readonly hosts: Host[] = [];
  special!: SpecialGates;
  facilityId = '';
  private readonly mounts: string[] = [];
  /** What each gate emitted: event id → gate and type. */
  readonly emitted = new Map<string, { gateId: string; type: string }>();
  readonly depths = new Map<string, number>();
  readonly unwritten = new Map<string, number>();
  maxDepth = { depth: 0, gateId: '' };
  /** The most events one outbox held in memory at once (its disk full). */
  maxUnwritten = 0;
  /** Appends the disks refused, by gate (each event held in memory instead). */
  readonly writeFailures = new Map<string, number>();

  constructor(private readonly plan: SitePlan) {}

  async start(): Promise<void> {
    const { log } = this.plan;
    log('starting PostgreSQL and Mosquitto (dynamic security) of the suite’s own');
    this.pg = await startTestPostgresServer();
    this.broker = await startTestMosquitto();
    for (let i = 0; i < 2; i++) {
      const dataDir = join(this.dir, `cloud-${i}`);
      this.cloudEnv.push({
        PARKING_DATABASE_URL: this.pg.url,
        PARKING_MQTT_URL: this.broker.adminUrl,
        PARKING_HTTP_HOST: '127.0.0.1',
        PARKING_HTTP_PORT: String(await freePort()),
        PARKING_DATA_DIR: dataDir,
        PARKING_OPERATOR_TOKEN: this.token,
        PARKING_LOG_LEVEL: 'error',
      });
      await this.startCloud(i);
    }
    log('two cloud instances up; seeding the site');
    this.mount(join(this.dir, 'gates'), '1g');
    await this.seed();
    await this.startHosts();
    log(`${this.gates.size} gates online, ${this.pairs.reduce((n, p) => n + p.members.length, 0)} members`);
  }

  async startCloud(i: number): Promise<void> {
    this.clouds[i] = await startCloudProcess(this.cloudEnv[i]!, 60_000);
  }

  async killCloud(i: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.clouds[i]?.kill(signal);
    this.clouds[i] = null;
  }

  private async seed(): Promise<void> {
    const { plan } = this;
    const facility = (await this.api.must('POST', '/api/facilities', { name: 'Fault suite site' }))
      .id as string;
    this.facilityId = facility;
    let memberNo = 0;
    for (let p = 0; p < plan.pairs; p++) {
      const spaces: string[] = [];
      for (let s = 0; s < 3; s++) {
        const space = await this.api.must('POST', `/api/facilities/${facility}/spaces`, {
          label: `P${p}-${s}`,
          floor: String(1 + (p % 3)),
        });
        spaces.push(space.id as string);
      }
      const members: Pair['members'] = [];
      const perPair = Math.floor(plan.members / plan.pairs) + (p < plan.members % plan.pairs ? 1 : 0);
      for (let m = 0; m < perPair; m++, memberNo++) {
        const plate = `${10 + (memberNo % 89)}${HANGUL[memberNo % HANGUL.length]}${String(1000 + memberNo).padStart(4, '0')}`;
        const member = await this.api.must('POST', '/api/members', {
          name: `Member ${memberNo}`,
          plates: [plate],
        });
        members.push({ plate, token: member.token as string });
      }
      const gate = async (direction: 'entry' | 'exit'): Promise<SiteGate> => {
        const registered = await this.api.must('POST', `/api/facilities/${facility}/gates`, {
          name: `${direction} ${p}`,
          direction,
        });
        const devices = await startGateDevices({
          openTimeMs: plan.armTravelMs,
          closeTimeMs: plan.armTravelMs,
        });
        const link = await startLinkProxy({ port: this.broker.port });
        const id = registered.id as string;
        const entry: SiteGate = {
          id,
          direction,
          pair: p,
          hw: gateHardware(devices),
          devices,
          link,
          password: (registered.mqtt as { password: string }).password,
          dataDir: join(this.dir, 'gates', id),
          host: -1,
        };
        this.gates.set(id, entry);
        return entry;
      };
      this.pairs.push({ index: p, entry: await gate('entry'), exit: await gate('exit'), spaces, members });
    }
    const last = this.pairs.length - 1;
    this.special = {
      killed: this.pairs[Math.min(1, last)]!.exit,
      diskFull: this.pairs[Math.min(2, last)]!.exit,
      skewed: this.pairs[Math.min(3, last)]!.entry,
    };
    // The disk-full gate's data directory: 8 MiB of its own.
    this.mount(this.special.diskFull.dataDir, '8m');
  }

  /** A tmpfs of `size` at `dir` (needs root, as the suite's host has), unmounted at close. */
  private mount(dir: string, size: string): void {
    mkdirSync(dir, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    } catch (error) {
      throw new Error(
        `the fault suite mounts tmpfs for the gates' data (as root): ${(error as Error).message}`,
      );
    }
    this.mounts.push(dir);
  }

  private async startHosts(): Promise<void> {
    const gates = [...this.gates.values()];
    const alone = this.special.killed;
    const groups: SiteGate[][] = [[alone]];
    const rest = gates.filter((g) => g !== alone);
    for (let i = 0; i < rest.length; i += GATES_PER_HOST) groups.push(rest.slice(i, i + GATES_PER_HOST));
    for (const [index, group] of groups.entries()) {
      const job: HostJob = {
        gates: group.map((g) => ({
          config: agentConfig(g, g.direction, `mqtt://127.0.0.1:${g.link.port}`, g.devices, g.dataDir, {
            logLevel: 'error',
            oneDriverAfterAnother: true,
          }),
        })),
      };
      const file = join(this.dir, `host-${index}.json`);
      writeFileSync(file, JSON.stringify(job));
      for (const g of group) g.host = index;
      this.hosts.push({ job: file, child: null, gates: group.map((g) => g.id) });
    }
    await Promise.all(this.hosts.map((_, i) => this.startHost(i)));
  }

  async startHost(index: number): Promise<void> {
    const host = this.hosts[index]!;
    const child = fork(join(import.meta.dirname, 'agent-host.ts'), [host.job], {
      execArgv: ['--conditions=source', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    host.child = child;
    await new Promise<void>((resolve, reject) => {
      child.on('message', (message: HostMessage) => {
        if (message.kind === 'ready') resolve();
        else if (message.kind === 'failed') reject(new Error(`agent host ${index}: ${message.error}`));
        else if (message.kind === 'recorded') this.emitted.set(message.eventId, message);
        else if (message.kind === 'depth') {
          for (const [gateId, depth] of Object.entries(message.depths)) {
            this.depths.set(gateId, depth);
            if (depth > this.maxDepth.depth) this.maxDepth = { depth, gateId };
          }
          for (const [gateId, n] of Object.entries(message.unwritten)) {
            this.unwritten.set(gateId, n);
            this.maxUnwritten = Math.max(this.maxUnwritten, n);
          }
          for (const [gateId, n] of Object.entries(message.writeFailures)) {
            this.writeFailures.set(gateId, Math.max(this.writeFailures.get(gateId) ?? 0, n));
          }
        }
      });
      child.once('exit', (code) =>
        reject(new Error(`agent host ${index} exited (${code}) before it was up`)),
      );
      setTimeout(() => reject(new Error(`agent host ${index} was not up within 60 s`)), 60_000).unref();
    });
  }

  /** SIGKILL of the process holding `gate`'s agent (and only it). */
  async killHost(gate: SiteGate): Promise<void> {
    const child = this.hosts[gate.host]?.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    for (const id of this.hosts[gate.host]!.gates) this.depths.delete(id);
  }

  tellHost(gate: SiteGate, command: HostCommand): void {
    this.hosts[gate.host]?.child?.send(command);
  }

  /** Every outbox is empty, and none holds events in memory. */
  drained(): boolean {
    return [...this.gates.keys()].every(
      (id) => this.depths.get(id) === 0 && (this.unwritten.get(id) ?? 0) === 0,
    );
  }

  async close(): Promise<void> {
    for (const host of this.hosts) {
      const child = host.child;
      if (!child || child.exitCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    for (const gate of this.gates.values()) {
      await gate.link.close().catch(() => undefined);
      await gate.devices.close().catch(() => undefined);
    }
    for (let i = 0; i < this.clouds.length; i++) await this.killCloud(i, 'SIGTERM').catch(() => undefined);
    await this.broker?.close().catch(() => undefined);
    try {
      this.pg?.close();
    } catch {
      // already down
    }
    for (const dir of this.mounts.splice(0).reverse()) execFileSync('umount', [dir], { stdio: 'ignore' });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

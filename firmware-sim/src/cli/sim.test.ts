/** The simulator as a person or a script runs it: a separate process, addresses on stdout, commands on stdin. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Dialled, dial, edgeRdm6300Frames, until } from '../serial/testing.js';

const PACKAGE_DIR = join(import.meta.dirname, '..', '..');

interface Sim {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const running: Sim[] = [];
const sockets: Dialled[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.socket.destroy();
  for (const sim of running.splice(0)) if (sim.child.exitCode === null) sim.child.kill('SIGKILL');
});

function startSim(args: string[]): Sim {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', 'src/cli/sim.ts', ...args],
    {
      cwd: PACKAGE_DIR,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const sim = { child, stdout: () => stdout, stderr: () => stderr, exited };
  running.push(sim);
  return sim;
}

interface Printed {
  gates: { gate: number; board: { path: string }; camera: { path: string }; rfid: { path: string } }[];
}

async function addresses(sim: Sim): Promise<Printed> {
  await until(() => /^\{"gates":/m.test(sim.stdout()), 15_000);
  const line = sim
    .stdout()
    .split('\n')
    .find((l) => l.startsWith('{"gates":'))!;
  return JSON.parse(line) as Printed;
}

const connect = async (path: string) => {
  const client = await dial(Number(new URL(path).port));
  sockets.push(client);
  return client;
};

describe('npm run sim', () => {
  it('prints the gates, serves them, obeys commands and exits 0 on quit', async () => {
    const sim = startSim(['--gates', '2', '--json']);
    const { gates } = await addresses(sim);
    expect(gates.map((g) => g.gate)).toEqual([1, 2]);
    expect(sim.stdout()).toMatch(/^gate\s+board \(Firmata\)\s+camera \(ANPR\)\s+rfid \(RDM6300\)\s+pins/m);

    // A raw Firmata host: the board announces itself (REPORT_VERSION 0xF9) as an Uno does on connect.
    const board = await connect(gates[0]!.board.path);
    await until(() => board.received().includes(0xf9));
    expect(board.received()[0]).toBe(0xf9);

    // A stand-in edge agent on gate 1: raise the relay as soon as the camera reads a plate.
    board.socket.write(Buffer.from([0xf4, 8, 1]));
    const camera = await connect(gates[0]!.camera.path);
    camera.socket.once('data', () => board.socket.write(Buffer.from([0x91, 1, 0])));
    const rfid = await connect(gates[1]!.rfid.path);
    // The commands below write to whoever is connected: wait until the simulator has seen both clients.
    const seen = () =>
      /gate 1: .*camera 1 client/.test(sim.stdout()) && /gate 2: .*rfid 1 client/.test(sim.stdout());
    while (!seen()) {
      sim.child.stdin?.write('status\n');
      await until(seen, 100).catch(() => undefined);
    }

    sim.child.stdin?.write('tag 2 62E3086CED 1\ncar 1 12가3456\n');
    await until(() => rfid.received().length === 14);
    expect(edgeRdm6300Frames(rfid.received())).toEqual([{ ok: true, tag: '62E3086CED' }]);
    await until(() => sim.stdout().includes('12가3456: drove through'), 10_000);
    expect(sim.stdout()).toMatch(/gate 1: 12가3456: arm moving \d+ ms after the read/);

    sim.child.stdin?.write('status\nquit\n');
    expect(await sim.exited).toBe(0);
    expect(sim.stdout()).toMatch(
      /gate 1: arm \w+ \d+% up, relay on, arrival clear, passage clear; board connected, camera 1 client/,
    );
    await board.closed;
  });

  it('exits 0 when stdin ends, and on SIGTERM', async () => {
    const ended = startSim(['--gates', '1', '--json']);
    await addresses(ended);
    ended.child.stdin?.end();
    expect(await ended.exited).toBe(0);

    const signalled = startSim(['--gates', '1', '--json']);
    const { gates } = await addresses(signalled);
    signalled.child.kill('SIGTERM');
    expect(await signalled.exited).toBe(0);
    await expect(dial(Number(new URL(gates[0]!.board.path).port))).rejects.toThrow();
  });

  it('prints usage and exits 2 on bad arguments', async () => {
    for (const args of [[], ['--gates', 'zero'], ['--gates', '1', '--colour']]) {
      const sim = startSim(args);
      expect(await sim.exited).toBe(2);
      expect(sim.stderr()).toMatch(/usage: npm run sim -- --gates N/);
      expect(sim.stdout()).toBe('');
    }
  });
});

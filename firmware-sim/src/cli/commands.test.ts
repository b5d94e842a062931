import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FirmataDevice } from '../firmata/device.js';
import { connectRawHost, type RawHost } from '../firmata/testing.js';
import { type Dialled, dial, edgeAnprLines, edgeRdm6300Frames, until } from '../serial/testing.js';
import { type CommandContext, runCommand } from './commands.js';
import { type GateDevices, startGateDevices } from './devices.js';

let gates: GateDevices[] = [];
let printed: string[] = [];
let context: CommandContext;
const cleanups: (() => void)[] = [];
beforeEach(async () => {
  gates = [
    await startGateDevices({ openTimeMs: 30, closeTimeMs: 30 }),
    await startGateDevices({ openTimeMs: 30, closeTimeMs: 30 }),
  ];
  printed = [];
  context = {
    gates,
    print: (line) => printed.push(line),
    timing: { decisionMs: 1000, dwellMs: 10, closeWaitMs: 1000 },
  };
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await Promise.all(gates.map((gate) => gate.close()));
});

/** A stand-in edge agent on the gate: raises the relay for a camera read and drops it when told. */
async function fakeEdge(gate: GateDevices): Promise<{ host: RawHost; camera: Dialled }> {
  const host = connectRawHost(gate.board.device as FirmataDevice);
  await host.send(0xf4, 8, 1); // relay pin OUTPUT
  const camera = await dial(Number(new URL(gate.camera.path).port));
  cleanups.push(() => {
    host.close();
    camera.socket.destroy();
  });
  camera.socket.on('data', () => void host.send(0x91, 1, 0)); // pin 8 HIGH: open
  return { host, camera };
}

describe('runCommand', () => {
  it('car: the car is read, sees the arm rise, drives through, and the time to the arm is printed', async () => {
    const { host, camera } = await fakeEdge(gates[0]!);
    const done = runCommand('car 1 12가3456', {
      ...context,
      print: (line) => {
        printed.push(line);
        if (line.includes('drove through')) void host.send(0x91, 0, 0); // the edge closes behind it
      },
    });
    await expect(done).resolves.toBeUndefined();
    expect(edgeAnprLines(camera.received())[0]).toEqual({ ok: true, plate: '12가3456', confidence: 0.95 });
    expect(printed[0]).toBe('gate 1: 12가3456 on the arrival loop, read at confidence 0.95');
    expect(printed[1]).toMatch(/^gate 1: 12가3456: arm moving \d+ ms after the read$/);
    expect(printed[2]).toBe('gate 1: 12가3456: drove through');
    expect(printed[3]).toMatch(/arm down again/);
    expect(gates[0]!.board.loops.isPresent('arrival')).toBe(false);
    expect(gates[0]!.board.barrier.position).toBe('closed');
  });

  it('car: with nobody opening the arm, the car backs away off the arrival loop', async () => {
    await runCommand('car 2 AB1234 0.9', { ...context, timing: { decisionMs: 50 } });
    expect(printed.at(-1)).toMatch(/gate 2: AB1234: the arm did not move within 50 ms/);
    expect(gates[1]!.board.loops.isPresent('arrival')).toBe(false);
  });

  it('tag, loop and status', async () => {
    const rfid = await dial(Number(new URL(gates[1]!.rfid.path).port));
    cleanups.push(() => rfid.socket.destroy());
    await until(() => gates[1]!.rfid.server.clients() === 1);
    await runCommand('tag 2 62e3086ced 1', context);
    await until(() => rfid.received().length === 14);
    expect(edgeRdm6300Frames(rfid.received())).toEqual([{ ok: true, tag: '62E3086CED' }]);
    await runCommand('loop 1 passage on', context);
    expect(gates[0]!.board.device.inputLevel(3)).toBe(true);
    await runCommand('status', context);
    expect(printed.slice(-2)).toEqual([
      'gate 1: arm closed 0% up, relay off, arrival clear, passage occupied; board waiting, camera 0 clients, rfid 0 clients',
      'gate 2: arm closed 0% up, relay off, arrival clear, passage clear; board waiting, camera 0 clients, rfid 1 client',
    ]);
  });

  it('prints what is wrong with a bad command, and quit asks to leave', async () => {
    for (const line of [
      'car 3 AB12',
      'car 1',
      'car 1 AB12 7',
      'tag 1 XYZ',
      'tag 1 62E3086CED 0',
      'loop 1 exit on',
      'fly',
    ]) {
      await expect(runCommand(line, context)).resolves.toBeUndefined();
    }
    expect(printed).toEqual([
      'error: no gate "3" (gates are 1 to 2)',
      'error: usage: car <gate> <plate> [confidence]',
      'error: usage: confidence is from 0 to 1',
      expect.stringMatching(/^error: RDM6300 tag must be 10 hex characters/),
      'error: usage: frames is a whole number from 1',
      'error: usage: loop <gate> arrival|passage on|off',
      'unknown command "fly"; type help',
    ]);
    expect(await runCommand('', context)).toBeUndefined();
    expect(await runCommand('  quit ', context)).toBe('quit');
  });
});

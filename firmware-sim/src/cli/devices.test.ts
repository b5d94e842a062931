import { existsSync, openSync } from 'node:fs';
import tty from 'node:tty';
import { afterEach, describe, expect, it } from 'vitest';
import { isPtyAvailable } from '../serial/pty.js';
import { dial, edgeAnprLines, edgeRdm6300Frames, until } from '../serial/testing.js';
import { type GateDevices, startGateDevices } from './devices.js';

let gate: GateDevices | undefined;
afterEach(async () => {
  await gate?.close();
  gate = undefined;
});

const portOf = (path: string) => Number(new URL(path).port);

describe('startGateDevices', () => {
  it('serves the board, the camera and the reader on TCP, wired as the edge config says', async () => {
    gate = await startGateDevices({ openTimeMs: 40, closeTimeMs: 40 });
    const { board, camera, rfid, addresses } = gate;
    expect(addresses).toMatchObject({
      board: { path: board.path, pins: { relay: 8, closedLimit: 7, arrival: 2, passage: 3 } },
      camera: { path: camera.path },
      rfid: { path: rfid.path },
      edgeConfig: {
        plateReader: { path: camera.path },
        rfidReader: { path: rfid.path },
        board: { path: board.path, barrier: { relayPin: 8, limitSwitchPin: 7 } },
      },
    });
    expect(camera.ptyPath).toBeUndefined();

    const host = await dial(portOf(board.path));
    await until(() => host.received().includes(0xf7));
    expect([...host.received().subarray(0, 3)]).toEqual([0xf9, 2, 5]); // REPORT_VERSION on connect
    expect(board.device.inputLevel(7)).toBe(true); // arm down: closed limit active
    host.socket.write(Buffer.from([0xf4, 8, 1, 0x91, 1, 0])); // pin 8 OUTPUT, then HIGH
    await until(() => board.barrier.position === 'open');
    expect(board.device.inputLevel(7)).toBe(false);
    board.loops.vehicleOver('arrival', true);
    expect(board.device.inputLevel(2)).toBe(true);

    const cameraClient = await dial(portOf(camera.path));
    const rfidClient = await dial(portOf(rfid.path));
    await until(() => camera.server.clients() === 1 && rfid.server.clients() === 1);
    camera.camera.read('12가3456');
    rfid.emulator.present('62E3086CED', { frames: 1 });
    await until(() => cameraClient.received().length > 0 && rfidClient.received().length === 14);
    expect(edgeAnprLines(cameraClient.received())).toEqual([
      { ok: true, plate: '12가3456', confidence: 0.95 },
    ]);
    expect(edgeRdm6300Frames(rfidClient.received())).toEqual([{ ok: true, tag: '62E3086CED' }]);

    await gate.close();
    await gate.close();
    await Promise.all([host.closed, cameraClient.closed, rfidClient.closed]);
    await expect(dial(portOf(board.path))).rejects.toThrow();
  });

  it('listens on the fixed ports it is given', async () => {
    const probe = await startGateDevices();
    const ports = {
      board: portOf(probe.board.path),
      camera: portOf(probe.camera.path),
      rfid: portOf(probe.rfid.path),
    };
    await probe.close();
    gate = await startGateDevices({ ports });
    expect(gate.addresses.board.path).toBe(`tcp://127.0.0.1:${ports.board}`);
    expect(gate.addresses.rfid.path).toBe(`tcp://127.0.0.1:${ports.rfid}`);
  });

  it('closes what it started when a port is taken', async () => {
    gate = await startGateDevices();
    const taken = portOf(gate.camera.path);
    await expect(startGateDevices({ ports: { camera: taken } })).rejects.toThrow(/EADDRINUSE/);
  });

  it.skipIf(!isPtyAvailable())('with pty, also writes the camera and the reader to pty paths', async () => {
    gate = await startGateDevices({ pty: true });
    const { camera, rfid } = gate;
    expect(camera.ptyPath && existsSync(camera.ptyPath)).toBeTruthy();
    expect(gate.addresses.rfid.ptyPath).toBe(rfid.ptyPath);
    const stream = new tty.ReadStream(openSync(rfid.ptyPath!, 'r'));
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    try {
      rfid.emulator.present('0A1B2C3D4E', { frames: 1 });
      await until(() => Buffer.concat(chunks).length >= 14);
      expect(edgeRdm6300Frames(Buffer.concat(chunks))).toEqual([{ ok: true, tag: '0A1B2C3D4E' }]);
    } finally {
      stream.destroy();
    }
    await gate.close();
    expect(existsSync(camera.ptyPath!) || existsSync(rfid.ptyPath!)).toBe(false);
  });
});

import net from 'node:net';
import { quietLogger } from '@parkinglot/platform/log';
import { afterEach, describe, expect, it } from 'vitest';
import type { BarrierPosition } from '../ports.js';
import { FirmataBarrier } from './barrier.js';
import { type FirmataBoard, openFirmataBoard } from './board.js';
import { FirmataLoopDetector } from './loop-detector.js';
import { BarrierModel, FirmataDevice, LoopDetectors, serveOverTcp, until } from './testing.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function dial(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('Firmata over TCP (the emulated board behind serveOverTcp, as behind ser2net)', () => {
  it('opens the board, drives the barrier and reads a loop over a real socket', async () => {
    const device = new FirmataDevice();
    const arm = new BarrierModel(device, { relayPin: 7, closedLimitPin: 8, openTimeMs: 80, closeTimeMs: 80 });
    const loops = new LoopDetectors(device, { arrival: 2 });
    const server = await serveOverTcp(() => device, 0);
    cleanups.push(() => server.close());

    const socket = await dial(server.port);
    socket.setNoDelay(true);
    const board: FirmataBoard = await openFirmataBoard({
      transport: socket,
      timeoutMs: 5000,
      log: quietLogger(),
    });
    cleanups.push(() => board.close());
    expect(board.firmware).toBe('parkinglot-sim 2.5');

    // No open-limit switch: 'open' is assumed openTimeMs after the command, so it must cover the
    // arm's travel plus the link's latency (the arm starts when the bytes arrive, not when sent).
    const barrier = new FirmataBarrier(board, {
      relayPin: 7,
      closedLimit: { pin: 8 },
      openTimeMs: 150,
      closeTimeMs: 150,
      log: quietLogger(),
    });
    const loop = new FirmataLoopDetector(board, { pin: 2 });
    const positions: BarrierPosition[] = [];
    barrier.onPosition((p) => positions.push(p));
    await until(() => barrier.position === 'closed' && loop.known);

    await barrier.open();
    await until(() => barrier.position === 'open');
    expect(arm.position).toBe('open');
    loops.vehicleOver('arrival', true);
    await until(() => loop.present);
    await barrier.close();
    await until(() => barrier.position === 'closed');
    expect(positions).toEqual(['closed', 'opening', 'open', 'closing', 'closed']);

    await board.close();
    await until(() => !device.connected && !server.busy);
  });
});

/**
 * Test helpers: the edge drivers against firmware-sim's emulated board over an in-memory stream. */
import { duplexPair } from 'node:stream';
import { FirmataDevice, type FirmataDeviceOptions } from '@parkinglot/firmware-sim';
import { quietLogger } from '@parkinglot/platform/log';
import { type FirmataBoard, type OpenFirmataBoardOptions, openFirmataBoard } from './board.js';

export interface Bench {
  device: FirmataDevice;
  board: FirmataBoard;
}

/** An emulated board with johnny-five connected to it, ready. */
export async function connectBench(
  deviceOptions: FirmataDeviceOptions = {},
  boardOptions: Partial<OpenFirmataBoardOptions> = {},
): Promise<Bench> {
  const device = new FirmataDevice(deviceOptions);
  const [boardSide, hostSide] = duplexPair();
  device.attach(boardSide);
  const board = await openFirmataBoard({
    transport: hostSide,
    timeoutMs: 5000,
    log: quietLogger(),
    ...boardOptions,
  });
  return { device, board };
}

/** Lets in-flight stream writes land in both directions. */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Resolves when `check()` holds, polling across I/O turns (real time, at most `ms`). */
export async function until(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export {
  type ArmPosition,
  BarrierModel,
  type BarrierModelOptions,
  FirmataDevice,
  LoopDetectors,
  serveOverTcp,
} from '@parkinglot/firmware-sim';

import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import tty from 'node:tty';
import { encodeRdm6300Frame } from '@parkinglot/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { isPtyAvailable, openPtyPair, type PtyPair } from './pty.js';

const socat = isPtyAvailable();
// Only the edge workspace depends on serialport; use it when hoisting makes it reachable from here.
const serialport = await import('serialport').catch(() => null);
let pair: PtyPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

/** Collects what arrives on a pty end through a non-blocking tty handle. */
function readEnd(path: string): { received: () => Buffer; close: () => void } {
  const stream = new tty.ReadStream(openSync(path, 'r'));
  stream.setRawMode(true);
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('error', () => undefined);
  return { received: () => Buffer.concat(chunks), close: () => stream.destroy() };
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(!socat)('openPtyPair (socat)', () => {
  it('carries the bytes written on the device end, unchanged, to the app end', async () => {
    pair = await openPtyPair();
    expect(existsSync(pair.devicePath) && existsSync(pair.appPath)).toBe(true);
    const app = readEnd(pair.appPath);
    try {
      // CR, LF and control bytes must pass raw: no CRLF translation, no echo.
      const bytes = Buffer.concat([encodeRdm6300Frame('62E3086CED'), Buffer.from('12가3456,0.95\r\n')]);
      pair.write(bytes);
      await until(() => app.received().length >= bytes.length);
      expect(app.received()).toEqual(bytes);
    } finally {
      app.close();
    }
  });

  it('survives the app closing and reopening its end, as an agent reconnecting does', async () => {
    pair = await openPtyPair();
    const first = readEnd(pair.appPath);
    pair.write(Buffer.from('one'));
    await until(() => first.received().toString() === 'one');
    first.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = readEnd(pair.appPath);
    try {
      pair.write(Buffer.from('two'));
      await until(() => second.received().toString() === 'two');
    } finally {
      second.close();
    }
  });

  it.skipIf(!serialport)('opens as a serial port with serialport, as the edge agent does', async () => {
    if (!serialport) return;
    pair = await openPtyPair();
    const port = new serialport.SerialPort({ path: pair.appPath, baudRate: 9600, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    const chunks: Buffer[] = [];
    port.on('data', (chunk: Buffer) => chunks.push(chunk));
    const frame = encodeRdm6300Frame('0A1B2C3D4E');
    pair.write(frame);
    await until(() => Buffer.concat(chunks).length >= frame.length);
    expect(Buffer.concat(chunks)).toEqual(frame);
    await new Promise<void>((resolve) => port.close(() => resolve()));
  });

  it('close stops socat and removes the links; closing twice is harmless', async () => {
    const opened = await openPtyPair();
    const held = openSync(opened.appPath, 'r+'); // an agent that still has the port open
    await opened.close();
    await opened.close();
    closeSync(held);
    expect(alive(opened.pid)).toBe(false);
    expect(existsSync(opened.devicePath) || existsSync(opened.appPath)).toBe(false);
    const leftovers = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
    expect(leftovers).not.toContain(opened.appPath);
  });
});

describe.skipIf(socat)('without socat', () => {
  it('reports that no pty can be made and refuses to open one', async () => {
    expect(isPtyAvailable()).toBe(false);
    await expect(openPtyPair()).rejects.toThrow(/socat/);
  });
});

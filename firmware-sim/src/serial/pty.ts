/**
 * A pseudo-terminal pair made by socat, so the edge agent opens an emulated device as a real
 * serial port path (serialport, termios and all) instead of tcp://. The emulator writes into the
 * device end; socat copies the bytes to the app end, which the agent opens:
 *
 *     emulator --write--> devicePath ==socat== appPath <--open-- edge agent (serialport)
 *
 * socat keeps both ptys alive when either side closes, so the agent may close and reopen appPath.
 * Bytes written while nothing has appPath open wait in the pty's buffer (up to a few KB) and are
 * read by the next opener, as from a USB adapter's FIFO.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import tty from 'node:tty';

export interface PtyPair {
  /** The emulator's end (`write` goes here); another program may write to it too. */
  readonly devicePath: string;
  /** The end the edge agent opens as its serial device. */
  readonly appPath: string;
  /** socat's process id. */
  readonly pid: number;
  write(bytes: Uint8Array): void;
  /** Closes the device end, stops socat (which removes both links) and waits for it to exit. */
  close(): Promise<void>;
}

export interface PtyOptions {
  /** Directory for the two links; default a fresh one under the system temp dir, removed on close. */
  dir?: string;
  /** How long socat may take to set up the pair. Default 5000 ms. */
  timeoutMs?: number;
}

let socatPath: string | null | undefined;

function findSocat(): string | null {
  if (socatPath !== undefined) return socatPath;
  socatPath = null;
  if (process.platform === 'win32') return socatPath;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, 'socat'), constants.X_OK);
      socatPath = join(dir, 'socat');
      break;
    } catch {
      // Not in this directory.
    }
  }
  return socatPath;
}

/** Whether pty pairs can be made here (socat is on PATH); callers skip the pty when not. */
export function isPtyAvailable(): boolean {
  return findSocat() !== null;
}

// socat -d -d logs "N PTY is /dev/pts/N" for each end, then this once both links exist.
const READY = /starting data transfer loop/;

export async function openPtyPair(options: PtyOptions = {}): Promise<PtyPair> {
  const socat = findSocat();
  if (!socat) throw new Error('openPtyPair needs socat on PATH (apt-get install socat)');
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'parkinglot-pty-'));
  const devicePath = join(dir, 'dev');
  const appPath = join(dir, 'app');
  const end = (path: string) => `pty,raw,echo=0,link=${path}`;
  const child = spawn(socat, ['-d', '-d', end(devicePath), end(appPath)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // A socat left behind by a process that exits without closing its pairs would hold the ptys forever.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  // A socat that could not be started emits 'error' and never 'exit'.
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const cleanUp = () => {
    process.off('exit', killOnExit);
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitForReady(child, exited, options.timeoutMs ?? 5000);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    cleanUp();
    throw error;
  }
  child.stderr?.resume(); // keep draining the log so socat never blocks on a full pipe

  // A tty handle writes without blocking a thread-pool thread when socat is slow to read.
  const writer = new tty.WriteStream(openSync(devicePath, constants.O_WRONLY | constants.O_NOCTTY));
  writer.on('error', () => {
    // socat went away: the pair is dead, and close() reports nothing more useful than that.
  });
  let closing: Promise<void> | null = null;

  return {
    devicePath,
    appPath,
    pid: child.pid ?? -1,
    write(bytes) {
      if (closing || writer.destroyed || bytes.length === 0) return;
      writer.write(Buffer.from(bytes));
    },
    close() {
      closing ??= (async () => {
        writer.destroy();
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
          await exited;
          clearTimeout(timer);
        }
        cleanUp();
      })();
      return closing;
    },
  };
}

function waitForReady(child: ChildProcess, exited: Promise<void>, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let log = '';
    const onData = (chunk: Buffer) => {
      log += chunk.toString('utf8');
      if (READY.test(log)) finish();
    };
    const timer = setTimeout(
      () => finish(new Error(`socat did not set up the pty pair within ${timeoutMs} ms:\n${log}`)),
      timeoutMs,
    );
    const finish = (error?: Error) => {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      if (error) reject(error);
      else resolve();
    };
    child.stderr?.on('data', onData);
    child.once('error', (error) => finish(error));
    void exited.then(() => finish(new Error(`socat exited before the pty pair was ready:\n${log}`)));
  });
}

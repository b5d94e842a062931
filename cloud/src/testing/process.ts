/**
 * The cloud as a real process (`src/main.ts` under tsx), for tests that kill it: SIGKILL runs no
 * shutdown code, which an in-process stop() cannot show.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const cloudDir = join(import.meta.dirname, '..', '..');

export interface CloudProcess {
  proc: ChildProcess;
  httpUrl: string;
  /** What it wrote on stderr (its log), for a failing test's message. */
  stderr(): string;
  /** Sends `signal` and resolves when it has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startCloudProcess(env: Record<string, string>, timeoutMs = 30_000): Promise<CloudProcess> {
  const proc = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts'], {
    cwd: cloudDir,
    env: { ...process.env, PARKING_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err = (err + chunk).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`the cloud did not start within ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    const early = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`the cloud exited (${code}) before it was up: ${err}`));
    };
    proc.once('exit', early);
    proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const url = /HTTP API\s+(http:\/\/\S+)\/api/.exec(out)?.[1];
      if (!url) return;
      clearTimeout(timer);
      proc.off('exit', early);
      resolve({
        proc,
        httpUrl: url,
        stderr: () => err,
        async kill(signal = 'SIGTERM') {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
          await exited;
        },
      });
    });
  });
}

/** Runs the gate load generator as a child process and returns its result. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { LoadResult, LoadSpec } from './gates.js';

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  // Connecting, warming up and measuring, with room for 10,000 gates to connect.
  const limitMs = spec.warmupMs + spec.durationMs + 120_000;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', join(import.meta.dirname, 'gates.ts')],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`load generator exited with ${code ?? signal}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as LoadResult);
      } catch (error) {
        reject(new Error(`load generator printed no result: ${(error as Error).message}`));
      }
    });
    child.stdin.end(JSON.stringify(spec));
  });
}

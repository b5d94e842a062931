/**
 * Load generators run as processes of their own, so their work is not counted against the cloud:
 * the parent writes a JSON spec to the child's stdin, the child prints one JSON line with its result.
 */
import { spawn } from 'node:child_process';

export function runChild<Spec, Result>(script: string, spec: Spec, limitMs: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`load generator ${script} exited with ${code ?? signal}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Result);
      } catch (error) {
        reject(new Error(`load generator printed no result: ${(error as Error).message}`));
      }
    });
    child.stdin.end(JSON.stringify(spec));
  });
}

/** The child's side: reads the spec, runs, prints the result and exits (1 on failure). */
export function serveChild<Spec, Result>(run: (spec: Spec) => Promise<Result>): void {
  const chunks: Buffer[] = [];
  process.stdin.on('data', (d) => chunks.push(d));
  process.stdin.on('end', () => {
    const spec = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Spec;
    run(spec).then(
      (result) => {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`load generator failed: ${(error as Error)?.stack ?? error}\n`);
        process.exit(1);
      },
    );
  });
}

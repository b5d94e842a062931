/**
 * Runs the cloud and edge agents as the separate processes they are in a deployment, from this
 * repository's sources (under tsx), or built and packaged (`programs`: plain node, production
 * dependencies only, as the images run them), and waits for each to say it is up.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export { freePort } from '@parkinglot/platform/net';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');

/** Packaged production trees (scripts/package.mjs) to run instead of the sources. */
export interface Programs {
  /** Holds cloud/dist/main.js. */
  cloud: string;
  /** Holds edge/dist/main.js. */
  edge: string;
}

export interface Proc {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** SIGTERM, then wait for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

function run(
  script: { source: string; built: string | null },
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  timeoutMs: number,
) {
  const argv = script.built
    ? [script.built, ...args]
    : ['--conditions=source', '--import', 'tsx', script.source, ...args];
  const { NODE_OPTIONS: _loader, ...inherited } = process.env;
  const child = spawn(process.execPath, argv, {
    cwd: REPO_ROOT,
    env: { ...(script.built ? inherited : process.env), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const name = script.built ?? script.source;
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
    if (process.env.PARKING_SIM_ECHO) process.stderr.write(d);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const proc: Proc = {
    child,
    output: () => stdout + stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      // A process that does not stop in time is killed: a hung child must not outlive the run.
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  return new Promise<{ proc: Proc; stdout: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${stdout}${stderr}`));
    }, timeoutMs);
    const check = () => {
      if (ready.test(stdout)) {
        clearTimeout(timer);
        resolve({ proc, stdout });
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was up:\n${stdout}${stderr}`));
    });
  });
}

export interface CloudSettings {
  dataDir: string;
  httpPort: number;
  mqttPort: number;
  operatorToken: string;
  logLevel?: string;
}

export async function startCloudProcess(s: CloudSettings, programs?: Programs): Promise<Proc> {
  const { proc } = await run(
    {
      source: 'cloud/src/main.ts',
      built: programs ? join(programs.cloud, 'cloud', 'dist', 'main.js') : null,
    },
    [],
    {
      PARKING_DATA_DIR: s.dataDir,
      PARKING_HTTP_HOST: '127.0.0.1',
      PARKING_HTTP_PORT: String(s.httpPort),
      PARKING_MQTT_HOST: '127.0.0.1',
      PARKING_MQTT_PORT: String(s.mqttPort),
      PARKING_OPERATOR_TOKEN: s.operatorToken,
      PARKING_LOG_LEVEL: s.logLevel ?? process.env.PARKING_CLOUD_LOG_LEVEL ?? 'warn',
    },
    /Ctrl-C stops it/,
    30_000,
  );
  return proc;
}

/** Writes the agent's config file next to its data and starts `edge/src/main.ts --config` on it. */
export async function startEdgeProcess(
  config: Record<string, unknown> & { dataDir: string },
  programs?: Programs,
): Promise<Proc> {
  const file = join(config.dataDir, 'gate.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  const { proc } = await run(
    { source: 'edge/src/main.ts', built: programs ? join(programs.edge, 'edge', 'dist', 'main.js') : null },
    ['--config', file],
    { PARKING_EDGE_LOG_LEVEL: process.env.PARKING_EDGE_LOG_LEVEL ?? String(config.logLevel ?? 'warn') },
    /parkinglot edge agent/,
    30_000,
  );
  return proc;
}

/**
 * A private Mosquitto for one test: its own port, config, dynamic-security file and log in a
 * temporary directory, never the machine's own broker on 1883 (anonymous, no dynamic security).
 * `mosquitto_ctrl dynsec init` makes the admin login the cloud connects with, as in production
 * (deploy/mosquitto/). Mosquitto 2.0.11 cannot pick a free port itself (`listener 0`), so one is
 * picked here, and a restart keeps it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@parkinglot/platform/net';

const MOSQUITTO =
  ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto'].find((p) => existsSync(p)) ?? 'mosquitto';
const DYNSEC_PLUGIN = [
  '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so',
  '/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so',
  '/usr/lib/mosquitto_dynamic_security.so',
].find((p) => existsSync(p));

export interface TestMosquitto {
  port: number;
  /** The admin login's URL, as PARKING_MQTT_URL takes it. */
  adminUrl: string;
  admin: { username: string; password: string };
  dir: string;
  /** The broker's log so far (for a failing test's message). */
  log(): string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

function waitForPort(port: number, child: ChildProcess, logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 10_000;
    const attempt = () => {
      if (child.exitCode !== null) {
        reject(new Error(`mosquitto exited (${child.exitCode}): ${readLog(logFile)}`));
        return;
      }
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline)
          reject(new Error(`mosquitto did not listen on ${port}: ${readLog(logFile)}`));
        else setTimeout(attempt, 25);
      });
    };
    attempt();
  });
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '(no log)';
  }
}

/** The mosquitto user's ids, to hand it the directory when the tests run as root (it drops to that user). */
function mosquittoUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  try {
    const uid = Number(execFileSync('id', ['-u', 'mosquitto'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'mosquitto'], { encoding: 'utf8' }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
  } catch {
    return null;
  }
}

export async function startTestMosquitto(): Promise<TestMosquitto> {
  if (!DYNSEC_PLUGIN) {
    throw new Error(
      "Mosquitto's dynamic-security plugin is not installed (apt-get install mosquitto; .ci/run does)",
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'parkinglot-mosquitto-'));
  const port = await freePort();
  const admin = {
    username: 'parkinglot-admin',
    password: `admin-${Math.random().toString(36).slice(2, 14)}`,
  };
  const dynsec = join(dir, 'dynamic-security.json');
  execFileSync('mosquitto_ctrl', ['dynsec', 'init', dynsec, admin.username, admin.password], {
    stdio: 'ignore',
  });
  const logFile = join(dir, 'mosquitto.log');
  writeFileSync(
    join(dir, 'mosquitto.conf'),
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      'persistence false',
      // Mosquitto leaves Nagle's algorithm on by default: every small answer would wait ~40 ms.
      'set_tcp_nodelay true',
      `plugin ${DYNSEC_PLUGIN}`,
      `plugin_opt_config_file ${dynsec}`,
      `log_dest file ${logFile}`,
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      '',
    ].join('\n'),
  );
  const owner = mosquittoUser();
  if (owner) for (const path of [dir, dynsec]) chownSync(path, owner.uid, owner.gid);
  let child: ChildProcess | null = null;
  const handle: TestMosquitto = {
    port,
    adminUrl: `mqtt://${admin.username}:${admin.password}@127.0.0.1:${port}`,
    admin,
    dir,
    log: () => readLog(logFile),
    async start() {
      if (child) return;
      const proc = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
      child = proc;
      proc.once('exit', () => {
        if (child === proc) child = null;
      });
      await waitForPort(port, proc, logFile);
    },
    async stop() {
      const proc = child;
      if (!proc) return;
      child = null;
      await new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      });
    },
    async close() {
      await handle.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await handle.start();
  return handle;
}

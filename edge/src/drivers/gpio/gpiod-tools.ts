/**
 * A GPIO binding on Debian's `gpiod` package (libgpiod 1.6 tools), run as child processes: no
 * native module to build, and the same tools an installer uses to check the wiring by hand.
 *
 * - An input: `gpioget` reads its level once, then `gpiomon` reports every edge (one line each,
 *   "<1 rising | 0 falling> <offset>"). An edge between the two is not seen: the next one is.
 * - An output: `gpioset --mode=signal` holds the line at a level until it is stopped. libgpiod 1.6
 *   has no way to change a held line's level, so each change stops the holder and starts another;
 *   the line keeps its level in between on the GPIO drivers that release lines as they are.
 * - A tool that exits on its own (the chip unplugged, the line taken by another process, the tool
 *   missing) is a lost chip.
 *
 * Verified here only against a scripted `spawn` (gpiod-tools.test.ts): this machine's kernel has no
 * GPIO support (no /dev/gpiochip*, no gpio-sim), so nothing has driven a real line through it.
 */
import { type ChildProcess, execFile, spawn as nodeSpawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Unsubscribe } from '../ports.js';
import type { Bias, GpioBinding, GpioChip, GpioInput, GpioOutput } from './binding.js';

export type Spawn = (command: string, args: string[]) => ChildProcess;
export type Run = (command: string, args: string[]) => Promise<string>;

const defaultRun: Run = (command, args) =>
  new Promise((resolve, reject) =>
    execFile(command, args, { timeout: 5_000 }, (error, stdout, stderr) =>
      error
        ? reject(new Error(`${command} ${args.join(' ')}: ${(stderr || error.message).trim()}`))
        : resolve(stdout),
    ),
  );

const biasArgs = (bias: Bias) => (bias === 'as-is' ? [] : [`--bias=${bias}`]);

/** How long a tool has to stop on SIGTERM before it is killed. */
const STOP_GRACE_MS = 2_000;

/** Every tool running, stopped with the agent however it exits (a held relay line must not outlive it). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

class ToolsChip implements GpioChip {
  private readonly lostListeners = new Set<(why: Error) => void>();
  private readonly children = new Set<ChildProcess>();
  private closing = false;

  constructor(
    readonly name: string,
    private readonly spawn: Spawn,
    private readonly run: Run,
  ) {}

  private start(args: string[]): ChildProcess {
    const child = this.spawn(args[0]!, args.slice(1));
    this.children.add(child);
    running.add(child);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString('utf8')).slice(-500);
    });
    child.on('error', (error) => this.lose(new Error(`${args[0]}: ${error.message}`)));
    child.once('exit', (code, signal) => {
      this.children.delete(child);
      running.delete(child);
      if ((child as ChildProcess & { stopped?: boolean }).stopped || this.closing) return;
      this.lose(
        new Error(
          `${args.join(' ')} exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim()}` : ''}`,
        ),
      );
    });
    return child;
  }

  /** Stops a tool; resolves once it has exited and let go of its lines. */
  private stop(child: ChildProcess | null): Promise<void> {
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    (child as ChildProcess & { stopped?: boolean }).stopped = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    // A tool that does not stop must not hold its line, or the agent's shutdown, for ever.
    const force = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    force.unref?.();
    return exited.finally(() => clearTimeout(force));
  }

  output(offset: number, high: boolean): GpioOutput {
    const hold = (value: boolean) =>
      this.start(['gpioset', '--mode=signal', this.name, `${offset}=${value ? 1 : 0}`]);
    let holder: ChildProcess | null = hold(high);
    let level = high;
    let released = false;
    // One change at a time, and the next holder only once the last one has let go (else EBUSY).
    let turn = Promise.resolve();
    return {
      set: (value) => {
        if (value === level || released) return;
        level = value;
        turn = turn.then(async () => {
          await this.stop(holder);
          holder = released ? null : hold(level);
        });
      },
      release: () => {
        released = true;
        turn = turn.then(() => this.stop(holder));
      },
    };
  }

  input(offset: number, options: { bias: Bias }, listener: (high: boolean) => void): GpioInput {
    let monitor: ChildProcess | null = null;
    let released = false;
    void this.run('gpioget', [...biasArgs(options.bias), this.name, String(offset)])
      .then((out) => {
        if (released) return;
        listener(out.trim() === '1');
        monitor = this.start([
          'gpiomon',
          ...biasArgs(options.bias),
          '--format=%e %o',
          this.name,
          String(offset),
        ]);
        const lines = createInterface({ input: monitor.stdout! });
        lines.on('line', (text) => {
          const [edge, at] = text.trim().split(/\s+/);
          if (at !== String(offset) || (edge !== '0' && edge !== '1')) return;
          listener(edge === '1');
        });
      })
      .catch((error: Error) => this.lose(error));
    return {
      release: () => {
        released = true;
        void this.stop(monitor);
      },
    };
  }

  onLost(listener: (why: Error) => void): Unsubscribe {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.children].map((child) => this.stop(child)));
  }

  private lose(why: Error): void {
    if (this.closing) return;
    for (const l of [...this.lostListeners]) l(why);
  }
}

export class GpiodToolsBinding implements GpioBinding {
  constructor(
    private readonly spawn: Spawn = (command, args) =>
      nodeSpawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] }),
    private readonly run: Run = defaultRun,
  ) {}

  async open(chip: string): Promise<GpioChip> {
    const name = chip.replace(/^\/dev\//, '');
    // gpioinfo fails for a chip that is not there, and when the tools are not installed.
    await this.run('gpioinfo', [name]).catch((error: Error) => {
      throw new Error(
        `GPIO chip ${name}: ${error.message.includes('ENOENT') ? 'the gpiod tools are not installed (apt-get install gpiod)' : error.message} (ls /dev/gpiochip* lists the chips)`,
      );
    });
    return new ToolsChip(name, this.spawn, this.run);
  }
}

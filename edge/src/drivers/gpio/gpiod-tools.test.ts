/**
 * The gpiod-tools binding against a scripted `spawn`: the commands it runs (as libgpiod 1.6's
 * tools take them), how it reads gpiomon's lines, and a tool that dies. No kernel GPIO here.
 */
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { GpiodToolsBinding } from './gpiod-tools.js';

class FakeProcess extends EventEmitter {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  exitCode: number | null = null;
  signalCode: string | null = null;
  constructor(readonly args: string[]) {
    super();
  }
  kill(signal: string): boolean {
    queueMicrotask(() => this.exit(null, signal));
    return true;
  }
  exit(code: number | null, signal: string | null = null): void {
    this.exitCode = code;
    this.signalCode = signal;
    this.emit('exit', code, signal);
  }
}

function rig(levels: Record<string, string> = {}) {
  const spawned: FakeProcess[] = [];
  const ran: string[] = [];
  const binding = new GpiodToolsBinding(
    (command, args) => {
      const child = new FakeProcess([command, ...args]);
      spawned.push(child);
      return child as unknown as ChildProcess;
    },
    async (command, args) => {
      ran.push([command, ...args].join(' '));
      if (command === 'gpioinfo' && args[0] !== 'gpiochip0')
        throw new Error('gpioinfo: cannot find GPIO chip');
      return levels[args.at(-1)!] ?? '0\n';
    },
  );
  return { binding, spawned, ran };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the gpiod tools binding', () => {
  it('opens a chip it can find, and says which and why when it cannot', async () => {
    const { binding, ran } = rig();
    const chip = await binding.open('/dev/gpiochip0');
    expect(chip.name).toBe('gpiochip0');
    expect(ran).toEqual(['gpioinfo gpiochip0']);
    await expect(binding.open('gpiochip9')).rejects.toThrow(
      /GPIO chip gpiochip9: gpioinfo: cannot find GPIO chip \(ls \/dev\/gpiochip\* lists the chips\)/,
    );
    const missing = new GpiodToolsBinding(undefined, async () => {
      throw new Error('spawn gpioinfo ENOENT');
    });
    await expect(missing.open('gpiochip0')).rejects.toThrow(/apt-get install gpiod/);
  });

  it('holds an output with gpioset, and changes it one holder after the other', async () => {
    const { binding, spawned } = rig();
    const chip = await binding.open('gpiochip0');
    const relay = chip.output(17, false);
    expect(spawned.map((p) => p.args.join(' '))).toEqual(['gpioset --mode=signal gpiochip0 17=0']);
    relay.set(true);
    await tick();
    expect(spawned[0]!.signalCode).toBe('SIGTERM');
    expect(spawned.map((p) => p.args.join(' '))).toEqual([
      'gpioset --mode=signal gpiochip0 17=0',
      'gpioset --mode=signal gpiochip0 17=1',
    ]);
    relay.set(true);
    await tick();
    expect(spawned).toHaveLength(2);
    relay.release();
    await tick();
    expect(spawned[1]!.signalCode).toBe('SIGTERM');
  });

  it('reads an input with gpioget, then every edge from gpiomon', async () => {
    const { binding, spawned, ran } = rig({ '22': '1\n' });
    const chip = await binding.open('gpiochip0');
    const levels: boolean[] = [];
    chip.input(22, { bias: 'pull-up' }, (high) => levels.push(high));
    await tick();
    expect(ran.at(-1)).toBe('gpioget --bias=pull-up gpiochip0 22');
    expect(spawned.map((p) => p.args.join(' '))).toEqual([
      'gpiomon --bias=pull-up --format=%e %o gpiochip0 22',
    ]);
    spawned[0]!.stdout.write('0 22\n1 22\nnonsense\n1 23\n0 22\n');
    await tick();
    expect(levels).toEqual([true, false, true, false]);
  });

  it('reports a tool that exits by itself as a lost chip, naming it', async () => {
    const { binding, spawned } = rig();
    const chip = await binding.open('gpiochip0');
    const lost: string[] = [];
    chip.onLost((why) => lost.push(why.message));
    chip.input(23, { bias: 'as-is' }, () => undefined);
    await tick();
    spawned[0]!.stderr.write('gpiomon: error waiting for events: No such device\n');
    await tick();
    spawned[0]!.exit(1);
    expect(lost).toEqual([
      expect.stringMatching(
        /gpiomon --format=%e %o gpiochip0 23 exited \(code 1\): gpiomon: error waiting for events: No such device/,
      ),
    ]);
    // Closing is not losing.
    chip.output(17, false);
    await chip.close();
    expect(lost).toHaveLength(1);
  });
});

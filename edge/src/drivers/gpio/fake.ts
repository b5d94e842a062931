/**
 * An in-memory GPIO chip: what a test or the simulator drives as the wiring would (a loop
 * detector's relay contact closing, a limit switch), and reads as the relay would (an output's
 * level, each change in order). It also loses its chip on demand, and refuses a line claimed twice,
 * as the kernel does (EBUSY).
 */
import type { Unsubscribe } from '../ports.js';
import type { Bias, GpioBinding, GpioChip, GpioInput, GpioOutput } from './binding.js';

interface FakeLine {
  direction: 'output' | 'input' | null;
  level: boolean;
  bias: Bias;
  /** The wiring has driven it (an input left floating reads as its bias pulls it). */
  driven: boolean;
  /** Every level an output was driven to, in order. */
  history: boolean[];
  listener: ((high: boolean) => void) | null;
}

export class FakeGpioChip implements GpioChip {
  private readonly lines = new Map<number, FakeLine>();
  private readonly lostListeners = new Set<(why: Error) => void>();
  closed = false;

  constructor(
    readonly name: string,
    readonly lineCount = 64,
  ) {}

  private line(offset: number): FakeLine {
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.lineCount) {
      throw new Error(`${this.name} has no line ${offset} (it has ${this.lineCount})`);
    }
    let line = this.lines.get(offset);
    if (!line) {
      line = { direction: null, level: false, bias: 'as-is', driven: false, history: [], listener: null };
      this.lines.set(offset, line);
    }
    return line;
  }

  private claim(offset: number, direction: 'output' | 'input'): FakeLine {
    const line = this.line(offset);
    if (line.direction !== null) throw new Error(`${this.name} line ${offset} is busy (EBUSY)`);
    line.direction = direction;
    return line;
  }

  output(offset: number, high: boolean): GpioOutput {
    const line = this.claim(offset, 'output');
    line.level = high;
    line.history.push(high);
    return {
      set: (value) => {
        if (line.direction !== 'output') return;
        if (value === line.level) return;
        line.level = value;
        line.history.push(value);
      },
      release: () => {
        line.direction = null;
      },
    };
  }

  input(offset: number, options: { bias: Bias }, listener: (high: boolean) => void): GpioInput {
    const line = this.claim(offset, 'input');
    line.bias = options.bias;
    // A pulled-up line with nothing closing it to ground reads high.
    if (!line.driven) line.level = options.bias === 'pull-up';
    line.listener = listener;
    listener(line.level);
    return {
      release: () => {
        line.direction = null;
        line.listener = null;
      },
    };
  }

  onLost(listener: (why: Error) => void): Unsubscribe {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  // --- the wiring's side ---------------------------------------------------------------------

  /** Drives an input line to a level (an edge when it changes), as the wiring would. */
  drive(offset: number, high: boolean): void {
    const line = this.line(offset);
    line.driven = true;
    if (line.level === high) return;
    line.level = high;
    if (line.direction === 'input') line.listener?.(high);
  }

  /** What an output line is driven to now (undefined while unclaimed). */
  level(offset: number): boolean | undefined {
    const line = this.lines.get(offset);
    return line?.direction === 'output' ? line.level : undefined;
  }

  /** Every level an output line was driven to, in order. */
  history(offset: number): readonly boolean[] {
    return this.lines.get(offset)?.history ?? [];
  }

  bias(offset: number): Bias | undefined {
    return this.lines.get(offset)?.bias;
  }

  /** The chip goes away (unplugged, driver unloaded). */
  lose(why = 'the chip went away'): void {
    for (const l of [...this.lostListeners]) l(new Error(why));
  }
}

export class FakeGpioBinding implements GpioBinding {
  readonly chips = new Map<string, FakeGpioChip>();

  constructor(names: string[] = ['gpiochip0']) {
    for (const name of names) this.chips.set(name, new FakeGpioChip(name));
  }

  chip(name = 'gpiochip0'): FakeGpioChip {
    const chip = this.chips.get(name);
    if (!chip) throw new Error(`no fake chip ${name}`);
    return chip;
  }

  async open(name: string): Promise<GpioChip> {
    const chip = this.chips.get(name.replace(/^\/dev\//, ''));
    if (!chip)
      throw new Error(`GPIO chip ${name} not found (this binding has ${[...this.chips.keys()].join(', ')})`);
    return chip;
  }
}

/**
 * A GPIO chip as the barrier and the loop detectors see a board: the same DigitalPins the Firmata
 * board gives them (firmata/board.ts), with a pin number being a line offset on the chip. So the
 * relay modes, the limit switch, polarity and debounce (firmata/barrier.ts, firmata/input.ts) are
 * the same code on either, and the gate's state machine does not know which it drives.
 *
 * An output is claimed at its first write, at the level written: a relay is never pulsed on while
 * the line is set up. A lost chip is a lost board (`onDisconnect`): the barrier goes `unknown` and the
 * agent exits with code 3 for its service manager to start it again.
 */
import type { DigitalPins } from '../firmata/board.js';
import type { Unsubscribe } from '../ports.js';
import type { Bias, GpioChip, GpioInput, GpioOutput } from './binding.js';

interface InputEntry {
  line: GpioInput | null;
  level: boolean | undefined;
  listeners: Set<(high: boolean) => void>;
}

export class GpioPins implements DigitalPins {
  private readonly outputs = new Map<number, GpioOutput | 'pending'>();
  private readonly biases = new Map<number, Bias>();
  private readonly inputs = new Map<number, InputEntry>();
  private readonly lostListeners = new Set<() => void>();
  private lost = false;
  private readonly stopLost: Unsubscribe;

  constructor(private readonly chip: GpioChip) {
    this.stopLost = chip.onLost(() => this.markLost());
  }

  get name(): string {
    return this.chip.name;
  }

  get connected(): boolean {
    return !this.lost;
  }

  onDisconnect(listener: () => void): Unsubscribe {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  setOutput(pin: number): void {
    if (!this.outputs.has(pin)) this.outputs.set(pin, 'pending');
  }

  write(pin: number, high: boolean): void {
    if (this.lost) return;
    const line = this.outputs.get(pin);
    if (line === undefined)
      throw new Error(`GPIO line ${pin} of ${this.chip.name} was not set up as an output`);
    if (line === 'pending') this.outputs.set(pin, this.chip.output(pin, high));
    else line.set(high);
  }

  setInput(pin: number, pullUp: boolean): void {
    this.biases.set(pin, pullUp ? 'pull-up' : 'as-is');
  }

  watch(pin: number, listener: (high: boolean) => void): Unsubscribe {
    const existing = this.inputs.get(pin);
    if (existing) {
      existing.listeners.add(listener);
      if (existing.level !== undefined) listener(existing.level);
      return () => existing.listeners.delete(listener);
    }
    // Listening before the line is claimed: a binding may report the level at once.
    const entry: InputEntry = { line: null, level: undefined, listeners: new Set([listener]) };
    this.inputs.set(pin, entry);
    entry.line = this.chip.input(pin, { bias: this.biases.get(pin) ?? 'as-is' }, (high) => {
      entry.level = high;
      for (const l of [...entry.listeners]) l(high);
    });
    return () => entry.listeners.delete(listener);
  }

  /** Gives every line back (outputs keep the level the kernel leaves them at) and closes the chip. */
  async close(): Promise<void> {
    this.stopLost();
    for (const line of this.outputs.values()) if (line !== 'pending') line.release();
    for (const { line } of this.inputs.values()) line?.release();
    this.outputs.clear();
    this.inputs.clear();
    await this.chip.close();
  }

  private markLost(): void {
    if (this.lost) return;
    this.lost = true;
    for (const l of [...this.lostListeners]) l();
  }
}

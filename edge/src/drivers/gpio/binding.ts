/**
 * The GPIO character device (the kernel's supported interface, /dev/gpiochipN through libgpiod), as
 * the agent needs it: claim a line as an output and set it, claim a line as an input and hear its
 * level and every edge, and hear when the chip is lost. Bindings: Debian's `gpiod` tools run as
 * child processes (gpiod-tools.ts), and an in-memory one for tests and the simulator (fake.ts).
 *
 * The calls are synchronous, as a Firmata board's are: what fails later (a tool that exits, a chip
 * that goes away) is reported through `onLost`, and the agent treats it as a lost board.
 */
import type { Unsubscribe } from '../ports.js';

export type Bias = 'pull-up' | 'pull-down' | 'as-is';

export interface GpioOutput {
  set(high: boolean): void;
  /** Gives the line back to the kernel. */
  release(): void;
}

export interface GpioInput {
  release(): void;
}

export interface GpioChip {
  /** As the kernel names it: gpiochip0. */
  readonly name: string;
  /** Claims `offset` as an output, driven to `high` from the start (no glitch through the other level). */
  output(offset: number, high: boolean): GpioOutput;
  /** Claims `offset` as an input: `listener` hears its level now, then at every edge. */
  input(offset: number, options: { bias: Bias }, listener: (high: boolean) => void): GpioInput;
  /** The chip, or a tool driving it, is gone: every line is lost. */
  onLost(listener: (why: Error) => void): Unsubscribe;
  close(): Promise<void>;
}

export interface GpioBinding {
  /** Opens a chip by name (gpiochip0) or path (/dev/gpiochip0); rejects naming it and why. */
  open(chip: string): Promise<GpioChip>;
}

/**
 * What the serial drivers need from their surroundings, named structurally so that the platform's
 * `Logger` and `Clock` fit without an adapter, and tests can pass plain objects.
 */
import type { Unsubscribe } from '../ports.js';

export { systemClock } from '@parkinglot/platform/time';

/** Lazy messages cost nothing when the level is off: a function is called only if the line is written. */
export type LogMessage = string | (() => string);

export interface SerialLogger {
  debug(message: LogMessage, error?: unknown): void;
  info(message: LogMessage, error?: unknown): void;
  warn(message: LogMessage, error?: unknown): void;
  error(message: LogMessage, error?: unknown): void;
}

/** Timers as a dependency, so reconnect back-off is driven by vi.useFakeTimers, not by sleeps. */
export interface SerialTimer {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SerialClock extends SerialTimer {
  /** Epoch ms; stamps reads and measures duplicate windows. */
  now(): number;
}

/**
 * A stream of bytes from a device: a reconnecting serial link in production, an in-memory feed in
 * tests and emulators. Chunk boundaries carry no meaning; parsers must cope with any split.
 */
export interface ByteSource {
  readonly connected: boolean;
  /** Times the link was lost after having been up. */
  readonly disconnects: number;
  /** One consumer only (the parser); a second registration is a programming error and throws. */
  onData(consumer: (chunk: Uint8Array) => void): Unsubscribe;
  onConnectionChange(listener: (connected: boolean) => void): Unsubscribe;
  /** Stops for good; resolves when the device is released. */
  close(): Promise<void>;
}

/**
 * The slices of firmata-io and johnny-five that the drivers use, typed here: firmata-io ships no
 * types, and @types/johnny-five's Board is not an EventEmitter and lacks the options we must pass
 * (`sigint`) and the fields we must touch (`timer`).
 */
import { createRequire } from 'node:module';
import five from 'johnny-five';

/** firmata-io's pin modes (SET_PIN_MODE numbering). */
export const MODES = { INPUT: 0x00, OUTPUT: 0x01, PULLUP: 0x0b } as const;

/** What firmata-io needs from a transport: node-serialport's shape ("open" is what starts it). */
export interface FirmataTransportLike {
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  on(event: 'open' | 'close' | 'error', listener: (arg?: unknown) => void): unknown;
  write(data: Buffer, callback?: (error?: Error | null) => void): unknown;
}

export interface FirmataIoOptions {
  /** Ms to wait for the board's own REPORT_VERSION before asking for it. firmata-io default 5000. */
  reportVersionTimeout?: number;
  samplingInterval?: number;
}

/** A firmata-io board: an EventEmitter and johnny-five IO plugin. */
export interface FirmataIo {
  readonly isReady: boolean;
  readonly firmware: { name?: string; version?: { major: number; minor: number } };
  readonly version: { major?: number; minor?: number };
  readonly pins: readonly { supportedModes: number[]; mode?: number; value?: number }[];
  readonly analogPins: readonly number[];
  /** The timer after which firmata-io asks for REPORT_VERSION itself; left running if the open fails. */
  readonly reportVersionTimeoutId?: ReturnType<typeof setTimeout>;
  /** Writes handed to the transport whose callback has not run yet. */
  readonly pending: number;
  pinMode(pin: number, mode: number): void;
  digitalWrite(pin: number, value: 0 | 1): void;
  /** Enables REPORT_DIGITAL for the pin's port and listens to `digital-read-<pin>`. */
  digitalRead(pin: number, listener: (value: number) => void): void;
  reportDigitalPin(pin: number, value: 0 | 1): void;
  on(event: string, listener: (...args: unknown[]) => void): this;
  once(event: string, listener: (...args: unknown[]) => void): this;
  removeListener(event: string, listener: (...args: unknown[]) => void): this;
  listenerCount(event: string): number;
}

type FirmataConstructor = new (
  transport: FirmataTransportLike,
  options?: FirmataIoOptions,
  callback?: (error?: unknown) => void,
) => FirmataIo;

// firmata-io exports a function that binds a default transport class (serialport, which `firmata`
// binds); its `.Firmata` is the class itself, which takes a transport object as the "port".
const requireCjs = createRequire(import.meta.url);
export const Firmata = (requireCjs('firmata-io') as { Firmata: FirmataConstructor }).Firmata;

export interface J5BoardOptions {
  io: FirmataIo;
  id?: string;
  repl: false;
  debug: false;
  /** johnny-five otherwise installs a SIGINT handler that calls process.reallyExit. */
  sigint: false;
  /** johnny-five's own ready timeout after "connect" (it emits "error", never rejects anything). */
  timeout: number;
}

/** A johnny-five Board as used here. */
export interface J5Board {
  readonly id: string;
  readonly isReady: boolean;
  readonly io: FirmataIo;
  /** johnny-five's ready-timeout timer; cleared by us when we give up or close first. */
  timer: ReturnType<typeof setTimeout> | null;
  on(event: string, listener: (...args: unknown[]) => void): this;
  once(event: string, listener: (...args: unknown[]) => void): this;
  removeListener(event: string, listener: (...args: unknown[]) => void): this;
  removeAllListeners(event?: string): this;
}

export function createJ5Board(options: J5BoardOptions): J5Board {
  return new five.Board(options as unknown as five.BoardOption) as unknown as J5Board;
}

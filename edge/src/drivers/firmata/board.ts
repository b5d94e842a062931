/**
 * Opens a Firmata board (StandardFirmata, or firmware-sim's FirmataDevice) with johnny-five over
 * any byte stream, and exposes the few digital-pin operations the drivers need.
 *
 * The handshake, as firmata-io and johnny-five run it:
 * 1. firmata-io waits for the board's REPORT_VERSION (a board sends it when it boots, and a USB
 *    Arduino reboots when its port is opened); if none arrives within `reportVersionTimeoutMs` it
 *    asks with REPORT_VERSION + QUERY_FIRMWARE itself.
 * 2. After the version it waits for the QUERY_FIRMWARE reply (firmware name), then sends
 *    CAPABILITY_QUERY and ANALOG_MAPPING_QUERY and is "ready" once both replies are in.
 * 3. johnny-five's Board turns the IO's "connect" (transport "open") and "ready" into its own.
 */
import type { Duplex } from 'node:stream';
import { createLogger, type Logger } from '@parkinglot/platform/log';
import { type Clock, systemClock } from '@parkinglot/platform/time';
import type { Unsubscribe } from '../ports.js';
import { createJ5Board, Firmata, type FirmataIo, type J5Board, MODES } from './firmata-io.js';
import { DuplexTransport } from './transport.js';

export type Timers = Pick<Clock, 'setTimeout' | 'clearTimeout'>;

/** Digital pins as the drivers see them; FirmataBoard implements it over firmata-io. */
export interface DigitalPins {
  /** SET_PIN_MODE OUTPUT (the pin starts LOW, as StandardFirmata does). */
  setOutput(pin: number): void;
  write(pin: number, high: boolean): void;
  /** SET_PIN_MODE INPUT, or INPUT_PULLUP (PULLUP) for a dry contact to ground. */
  setInput(pin: number, pullUp: boolean): void;
  /**
   * Turns on REPORT_DIGITAL for the pin's port and calls `listener(high)` with the first report and
   * then on every change (firmata-io repeats unchanged levels whenever the port reports).
   */
  watch(pin: number, listener: (high: boolean) => void): Unsubscribe;
}

export interface OpenFirmataBoardOptions {
  /** The byte stream to the board. The board owns it from now on: close() ends it, a failed open destroys it. */
  transport: Duplex;
  /** Give up (and reject) if the board is not ready by then. Default 10 000 ms (johnny-five's own default). */
  timeoutMs?: number;
  /** How long firmata-io waits for the board to announce itself before asking. Default 5000 ms (firmata-io's). */
  reportVersionTimeoutMs?: number;
  log?: Logger;
  timers?: Timers;
}

export interface FirmataBoard extends DigitalPins {
  /** The johnny-five Board, for components beyond these drivers (pass `board` to them explicitly). */
  readonly board: J5Board;
  /** The firmata-io instance (johnny-five's IO plugin). */
  readonly io: FirmataIo;
  /** From the QUERY_FIRMWARE reply, e.g. "StandardFirmata.ino 2.5". */
  readonly firmware: string;
  readonly pinCount: number;
  /** False once the transport closed or close() was called. */
  readonly connected: boolean;
  onDisconnect(listener: () => void): Unsubscribe;
  close(): Promise<void>;
}

export async function openFirmataBoard(options: OpenFirmataBoardOptions): Promise<FirmataBoard> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const timers = options.timers ?? systemClock;
  const log = options.log ?? createLogger('firmata');
  const transport = new DuplexTransport(options.transport, timers);
  const io = new Firmata(transport, { reportVersionTimeout: options.reportVersionTimeoutMs ?? 5000 });
  // firmata-io re-emits transport errors on the IO; an EventEmitter "error" without a listener throws.
  io.on('error', (error) => log.warn('firmata transport error', error));
  const board = createJ5Board({ io, repl: false, debug: false, sigint: false, timeout: timeoutMs + 1000 });
  // johnny-five emits "error" both for failures and for its own log lines (`board.error(...)`, a
  // plain object); without a listener either would crash the process.
  board.on('error', (event) => log.warn(() => `johnny-five: ${describe(event)}`));
  board.on('warn', (event) => log.warn(() => `johnny-five: ${describe(event)}`));

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = timers.setTimeout(() => {
        reject(
          new Error(
            `Firmata board not ready within ${timeoutMs} ms: no complete REPORT_VERSION / QUERY_FIRMWARE / ` +
              'CAPABILITY_QUERY handshake (is StandardFirmata running, and the port and baud rate right?)',
          ),
        );
      }, timeoutMs);
      board.once('ready', () => {
        timers.clearTimeout(timer);
        resolve();
      });
      transport.once('close', () => {
        timers.clearTimeout(timer);
        reject(new Error('Firmata transport closed before the board was ready'));
      });
    });
  } catch (error) {
    stopLibraryTimers(board);
    await transport.close(0);
    throw error;
  }

  const name = io.firmware.name ?? 'unknown firmware';
  const version = io.firmware.version;
  const firmware = version ? `${name} ${version.major}.${version.minor}` : name;
  log.info(
    () =>
      `Firmata board ready: ${firmware}, protocol ${io.version.major}.${io.version.minor}, ${io.pins.length} pins`,
  );
  return new ReadyBoard(board, io, transport, firmware, log);
}

/** johnny-five's and firmata-io's handshake timers use the global clock and would outlive a failed or closed board. */
function stopLibraryTimers(board: J5Board): void {
  if (board.timer) clearTimeout(board.timer);
  if (board.io.reportVersionTimeoutId) clearTimeout(board.io.reportVersionTimeoutId);
}

function describe(event: unknown): string {
  if (event instanceof Error) return event.message;
  if (event && typeof event === 'object' && 'message' in event) return String(event.message);
  return String(event);
}

class ReadyBoard implements FirmataBoard {
  private readonly disconnectListeners = new Set<() => void>();
  private isConnected = true;
  private closing = false;

  constructor(
    readonly board: J5Board,
    readonly io: FirmataIo,
    private readonly transport: DuplexTransport,
    readonly firmware: string,
    private readonly log: Logger,
  ) {
    transport.once('close', () => this.disconnected());
  }

  get pinCount(): number {
    return this.io.pins.length;
  }

  get connected(): boolean {
    return this.isConnected;
  }

  setOutput(pin: number): void {
    this.checkPin(pin);
    this.io.pinMode(pin, MODES.OUTPUT);
  }

  write(pin: number, high: boolean): void {
    this.checkPin(pin);
    // firmata-io sends the whole port (DIGITAL_MESSAGE), echoing the last reported input levels in
    // the input pins' bits; StandardFirmata turns such a 1 into an enabled pull-up, which is harmless
    // for inputs that are actively driven (relay contacts, limit switches with their own supply).
    this.io.digitalWrite(pin, high ? 1 : 0);
  }

  setInput(pin: number, pullUp: boolean): void {
    this.checkPin(pin);
    this.io.pinMode(pin, pullUp ? MODES.PULLUP : MODES.INPUT);
  }

  watch(pin: number, listener: (high: boolean) => void): Unsubscribe {
    this.checkPin(pin);
    let last: boolean | undefined;
    const onRead = (value: unknown) => {
      const high = value === 1;
      if (high === last) return;
      last = high;
      listener(high);
    };
    // johnny-five's Board.digitalRead passes through to this but cannot remove the listener.
    this.io.digitalRead(pin, onRead);
    return () => {
      this.io.removeListener(`digital-read-${pin}`, onRead);
    };
  }

  onDisconnect(listener: () => void): Unsubscribe {
    this.disconnectListeners.add(listener);
    return () => {
      this.disconnectListeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    stopLibraryTimers(this.board);
    await this.transport.close();
    this.disconnected();
  }

  private checkPin(pin: number): void {
    if (!Number.isInteger(pin) || pin < 0 || pin >= this.io.pins.length) {
      throw new RangeError(`pin ${pin} does not exist on this board (0–${this.io.pins.length - 1})`);
    }
  }

  private disconnected(): void {
    if (!this.isConnected) return;
    this.isConnected = false;
    if (this.closing) this.log.info('Firmata board closed');
    else this.log.warn('Firmata board disconnected (transport closed)');
    for (const listener of [...this.disconnectListeners]) listener();
  }
}

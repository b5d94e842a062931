/**
 * An emulated Firmata 2.x board (StandardFirmata's behaviour) on any Duplex byte stream, so
 * johnny-five / firmata-io connect to it unmodified. The simulation side drives inputs with
 * `setInput` and watches outputs with `onOutput`; the host drives everything else over the wire.
 */
import type { Duplex } from 'node:stream';
import { BoardState } from './board-state.js';
import { type SimClock, systemClock, type Unsubscribe } from './clock.js';
import { FirmataParser } from './parser.js';
import { type BoardLayout, UNO_LAYOUT } from './pins.js';
import { PinMode } from './protocol.js';

export interface FirmataDeviceOptions extends Partial<BoardLayout> {
  /** Reported in the QUERY_FIRMWARE reply. Default 'parkinglot-sim'. */
  firmwareName?: string;
  /** Firmware version in the QUERY_FIRMWARE reply. Default 2.5. */
  firmwareVersion?: { major: number; minor: number };
  /**
   * A real Uno reboots when a host opens its USB serial port (DTR): every pin goes back to its
   * default, reporting stops, and the fresh firmware announces itself (REPORT_VERSION and the
   * QUERY_FIRMWARE reply). Default true. False models a board that keeps running across hosts
   * (behind ser2net, or without auto-reset): it keeps its pins and stays silent until asked.
   * Simulated input levels survive either way.
   */
  resetOnConnect?: boolean;
  /** Drives the analog sampling loop. Default: the system timers. */
  clock?: SimClock;
}

export class FirmataDevice {
  readonly pinCount: number;
  readonly firmwareName: string;
  private readonly resetOnConnect: boolean;
  private readonly board: BoardState;
  private readonly parser: FirmataParser;
  private stream: Duplex | null = null;
  private unwire: (() => void) | null = null;

  constructor(options: FirmataDeviceOptions = {}) {
    const { pinCount, analogPins, pwmPins } = { ...UNO_LAYOUT, ...options };
    const version = options.firmwareVersion ?? { major: 2, minor: 5 };
    this.firmwareName = options.firmwareName ?? 'parkinglot-sim';
    this.board = new BoardState(
      { pinCount, analogPins, pwmPins },
      { name: this.firmwareName, ...version },
      options.clock ?? systemClock,
    );
    this.pinCount = this.board.pins.length;
    this.resetOnConnect = options.resetOnConnect ?? true;
    this.parser = new FirmataParser((message) => this.board.handle(message));
  }

  // ---- the wire side ----

  get connected(): boolean {
    return this.stream !== null;
  }

  /**
   * Serves the protocol on `stream` (one host at a time; a previous one is detached). With
   * `resetOnConnect`, like a board coming out of reset, it then announces itself with REPORT_VERSION
   * and the QUERY_FIRMWARE reply: firmata-io waits for exactly that pair before CAPABILITY_QUERY
   * (and asks for it itself only after its reportVersionTimeout, 5 s by default).
   */
  attach(stream: Duplex): Unsubscribe {
    this.detach();
    if (this.resetOnConnect) this.board.reset();
    const onData = (chunk: Buffer | string) => {
      try {
        this.parser.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
      } catch {
        // A bug in a handler must not take the emulated board down with the host's stream.
      }
    };
    const onGone = () => {
      if (this.stream === stream) this.detach();
    };
    stream.on('data', onData);
    for (const event of ['end', 'close', 'error']) stream.on(event, onGone);
    this.stream = stream;
    this.unwire = () => {
      stream.off('data', onData);
      for (const event of ['end', 'close', 'error']) stream.off(event, onGone);
    };
    this.board.link((bytes) => {
      if (stream.writable && !stream.destroyed) stream.write(bytes);
    });
    if (this.resetOnConnect) {
      this.board.sendVersion();
      this.board.sendFirmware();
    }
    return onGone;
  }

  /** Stops serving the current stream (its owner closes it). The pins keep their state, as a powered board does. */
  detach(): void {
    this.unwire?.();
    this.unwire = null;
    this.stream = null;
    this.board.link(null);
  }

  /** What SYSTEM_RESET does: default pin modes, outputs LOW, reporting off. */
  reset(): void {
    this.board.reset();
  }

  // ---- the simulation side ----

  /** Applies a level to a pin from outside; an input pin whose port reports sends DIGITAL_MESSAGE on change. */
  setInput(pin: number, value: boolean | 0 | 1): void {
    this.board.setInput(pin, value ? 1 : 0);
  }

  /** Sets the reading of an analog channel (0–1023), reported at each SAMPLING_INTERVAL while enabled. */
  setAnalogInput(channel: number, value: number): void {
    const rec = this.board.pins.find((p) => p.channel === channel);
    if (!rec) throw new RangeError(`analog channel ${channel} does not exist`);
    rec.analog = Math.max(0, Math.min(1023, Math.round(value)));
  }

  /** Calls `listener(high)` whenever the level a pin drives changes (true = OUTPUT mode and HIGH). */
  onOutput(pin: number, listener: (high: boolean) => void): Unsubscribe {
    return this.board.onOutput(pin, listener);
  }

  /** The pin's current mode (SET_PIN_MODE numbering), undefined for a pin the board does not have. */
  pinMode(pin: number): PinMode | undefined {
    return this.board.pins[pin]?.mode;
  }

  /** The pin's digital level: what it drives in an output mode, what is applied to it in an input mode. */
  digitalValue(pin: number): boolean {
    const rec = this.board.pins[pin];
    if (!rec) return false;
    const output = rec.mode === PinMode.OUTPUT || rec.mode === PinMode.PWM || rec.mode === PinMode.SERVO;
    return output ? rec.state !== 0 : rec.input === 1;
  }

  /** The level the simulation applies to the pin (`setInput`), whatever its mode. */
  inputLevel(pin: number): boolean {
    return this.board.pins[pin]?.input === 1;
  }

  /** Whether REPORT_DIGITAL is on for the pin's port. */
  isReporting(pin: number): boolean {
    return this.board.isReporting(pin);
  }

  /** The SAMPLING_INTERVAL last set by the host (default 19 ms). */
  get samplingIntervalMs(): number {
    return this.board.samplingMs;
  }

  /** Bytes the parser dropped while resynchronising (garbage, unknown commands, oversized sysex). */
  get discardedBytes(): number {
    return this.parser.discarded;
  }
}

/** The pins a barrier model and loop detectors drive and watch: a Firmata board's, or an emulated GPIO chip's. */
export type PinBank = Pick<FirmataDevice, 'onOutput' | 'pinMode' | 'digitalValue' | 'setInput'>;

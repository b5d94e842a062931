/**
 * Splits the host's byte stream into Firmata messages. A board cannot trust its serial line (a host
 * may open the port mid-message, or line noise may flip bits), so the parser never throws: data
 * bytes with no command are dropped, and any command byte abandons the message in progress, which
 * is how a MIDI-style stream resynchronises.
 */
import {
  ANALOG_MESSAGE,
  DIGITAL_MESSAGE,
  END_SYSEX,
  REPORT_ANALOG,
  REPORT_DIGITAL,
  REPORT_VERSION,
  SET_DIGITAL_PIN_VALUE,
  SET_PIN_MODE,
  START_SYSEX,
  SYSTEM_RESET,
} from './protocol.js';

export type HostMessage =
  | { type: 'digitalPort'; port: number; value: number }
  | { type: 'analogWrite'; pin: number; value: number }
  | { type: 'reportAnalog'; channel: number; enable: boolean }
  | { type: 'reportDigital'; port: number; enable: boolean }
  | { type: 'setPinMode'; pin: number; mode: number }
  | { type: 'setDigitalPinValue'; pin: number; value: number }
  | { type: 'reportVersion' }
  | { type: 'systemReset' }
  | { type: 'sysex'; command: number; data: number[] };

/** Longer sysex messages are discarded: StandardFirmata's buffer is 64 bytes, this is generous. */
export const MAX_SYSEX_BYTES = 1024;

/** Data bytes that follow each fixed-length command (the high nibble for the channel commands). */
function dataLength(command: number): number | undefined {
  switch (command < START_SYSEX ? command & 0xf0 : command) {
    case DIGITAL_MESSAGE:
    case ANALOG_MESSAGE:
    case SET_PIN_MODE:
    case SET_DIGITAL_PIN_VALUE:
      return 2;
    case REPORT_ANALOG:
    case REPORT_DIGITAL:
      return 1;
    case REPORT_VERSION:
    case SYSTEM_RESET:
      return 0;
    default:
      return undefined;
  }
}

function decode(command: number, data: readonly number[]): HostMessage {
  const channel = command & 0x0f;
  const [a = 0, b = 0] = data;
  switch (command < START_SYSEX ? command & 0xf0 : command) {
    case DIGITAL_MESSAGE:
      return { type: 'digitalPort', port: channel, value: a | (b << 7) };
    case ANALOG_MESSAGE:
      return { type: 'analogWrite', pin: channel, value: a | (b << 7) };
    case REPORT_ANALOG:
      return { type: 'reportAnalog', channel, enable: a !== 0 };
    case REPORT_DIGITAL:
      return { type: 'reportDigital', port: channel, enable: a !== 0 };
    case SET_PIN_MODE:
      return { type: 'setPinMode', pin: a, mode: b };
    case SET_DIGITAL_PIN_VALUE:
      return { type: 'setDigitalPinValue', pin: a, value: b };
    case REPORT_VERSION:
      return { type: 'reportVersion' };
    default:
      return { type: 'systemReset' };
  }
}

type State =
  | { kind: 'idle' }
  | { kind: 'fixed'; command: number; need: number; data: number[] }
  | { kind: 'sysex'; data: number[]; overflow: boolean }
  | { kind: 'skip' };

export class FirmataParser {
  private state: State = { kind: 'idle' };
  /** Bytes dropped while resynchronising or in unknown commands, for diagnostics. */
  discarded = 0;

  constructor(private readonly onMessage: (message: HostMessage) => void) {}

  push(chunk: Uint8Array): void {
    for (const byte of chunk) this.byte(byte);
  }

  private byte(byte: number): void {
    if (byte >= 0x80) {
      this.command(byte);
      return;
    }
    const state = this.state;
    switch (state.kind) {
      case 'fixed':
        state.data.push(byte);
        if (state.data.length === state.need) {
          this.state = { kind: 'idle' };
          this.onMessage(decode(state.command, state.data));
        }
        return;
      case 'sysex':
        if (state.data.length >= MAX_SYSEX_BYTES) state.overflow = true;
        else state.data.push(byte);
        return;
      default:
        this.discarded++;
    }
  }

  private command(byte: number): void {
    const previous = this.state;
    if (previous.kind === 'sysex' && byte === END_SYSEX) {
      this.state = { kind: 'idle' };
      const [command, ...data] = previous.data;
      if (previous.overflow || command === undefined) this.discarded += previous.data.length;
      else this.onMessage({ type: 'sysex', command, data });
      return;
    }
    if (previous.kind === 'fixed' || previous.kind === 'sysex') this.discarded += previous.data.length;
    if (byte === START_SYSEX) {
      this.state = { kind: 'sysex', data: [], overflow: false };
      return;
    }
    const need = dataLength(byte);
    if (need === undefined) {
      this.discarded++;
      this.state = { kind: 'skip' };
    } else if (need === 0) {
      this.state = { kind: 'idle' };
      this.onMessage(decode(byte, []));
    } else {
      this.state = { kind: 'fixed', command: byte, need, data: [] };
    }
  }
}

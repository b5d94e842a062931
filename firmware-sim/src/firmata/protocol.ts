/**
 * Firmata 2.x wire constants and the small encoders the emulated board needs. Names follow the
 * Firmata protocol document (protocol.md); every byte with the top bit set is a command, every data
 * byte is 7-bit, so multi-byte values travel as LSB/MSB 7-bit pairs.
 */

/** The protocol version the emulated board reports (REPORT_VERSION, 0xF9). */
export const PROTOCOL_VERSION = { major: 2, minor: 5 } as const;

// MIDI-style commands; the low nibble of the first four is a port or pin number.
export const DIGITAL_MESSAGE = 0x90;
export const ANALOG_MESSAGE = 0xe0;
export const REPORT_ANALOG = 0xc0;
export const REPORT_DIGITAL = 0xd0;
export const START_SYSEX = 0xf0;
export const SET_PIN_MODE = 0xf4;
export const SET_DIGITAL_PIN_VALUE = 0xf5;
export const END_SYSEX = 0xf7;
export const REPORT_VERSION = 0xf9;
export const SYSTEM_RESET = 0xff;

// Sysex sub-commands (the first byte after START_SYSEX).
export const ANALOG_MAPPING_QUERY = 0x69;
export const ANALOG_MAPPING_RESPONSE = 0x6a;
export const CAPABILITY_QUERY = 0x6b;
export const CAPABILITY_RESPONSE = 0x6c;
export const PIN_STATE_QUERY = 0x6d;
export const PIN_STATE_RESPONSE = 0x6e;
export const EXTENDED_ANALOG = 0x6f;
export const STRING_DATA = 0x71;
export const QUERY_FIRMWARE = 0x79;
export const SAMPLING_INTERVAL = 0x7a;

/** Separator closing one pin's list in CAPABILITY_RESPONSE; "no analog channel" in ANALOG_MAPPING_RESPONSE. */
export const NONE = 0x7f;

/** Pin modes as SET_PIN_MODE and CAPABILITY_RESPONSE number them. */
export const PinMode = {
  INPUT: 0x00,
  OUTPUT: 0x01,
  ANALOG: 0x02,
  PWM: 0x03,
  SERVO: 0x04,
  PULLUP: 0x0b,
} as const;
export type PinMode = (typeof PinMode)[keyof typeof PinMode];

export const isPinMode = (value: number): value is PinMode =>
  (Object.values(PinMode) as number[]).includes(value);

/** A digital port is 8 pins: DIGITAL_MESSAGE and REPORT_DIGITAL address ports, not pins. */
export const PINS_PER_PORT = 8;

/** Splits a 14-bit value into the LSB/MSB 7-bit pair used by DIGITAL_MESSAGE and ANALOG_MESSAGE. */
export function to7bit(value: number): [number, number] {
  return [value & 0x7f, (value >> 7) & 0x7f];
}

/** Sysex strings (QUERY_FIRMWARE's name) carry each 8-bit byte as two 7-bit bytes. */
export function encodeSysexString(text: string): number[] {
  const out: number[] = [];
  for (const byte of Buffer.from(text, 'utf8')) out.push(...to7bit(byte));
  return out;
}

export function sysex(command: number, payload: readonly number[]): Buffer {
  return Buffer.from([START_SYSEX, command, ...payload.map((b) => b & 0x7f), END_SYSEX]);
}

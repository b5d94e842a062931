import { describe, expect, it } from 'vitest';
import { FirmataParser, type HostMessage, MAX_SYSEX_BYTES } from './parser.js';

function parse(...chunks: number[][]): { messages: HostMessage[]; parser: FirmataParser } {
  const messages: HostMessage[] = [];
  const parser = new FirmataParser((m) => messages.push(m));
  for (const chunk of chunks) parser.push(Uint8Array.from(chunk));
  return { messages, parser };
}

describe('FirmataParser', () => {
  it('decodes the fixed-length host commands', () => {
    const { messages } = parse(
      [
        [0x91, 0x05, 0x01], // DIGITAL_MESSAGE port 1 = 0b1000_0101
        [0xe3, 0x7f, 0x01], // ANALOG_MESSAGE pin 3 = 255
        [0xc2, 0x01], // REPORT_ANALOG channel 2 on
        [0xd0, 0x00], // REPORT_DIGITAL port 0 off
        [0xf4, 0x0d, 0x01], // SET_PIN_MODE 13 OUTPUT
        [0xf5, 0x0d, 0x01], // SET_DIGITAL_PIN_VALUE 13 HIGH
        [0xf9], // REPORT_VERSION
        [0xff], // SYSTEM_RESET
      ].flat(),
    );
    expect(messages).toEqual([
      { type: 'digitalPort', port: 1, value: 0x85 },
      { type: 'analogWrite', pin: 3, value: 255 },
      { type: 'reportAnalog', channel: 2, enable: true },
      { type: 'reportDigital', port: 0, enable: false },
      { type: 'setPinMode', pin: 13, mode: 1 },
      { type: 'setDigitalPinValue', pin: 13, value: 1 },
      { type: 'reportVersion' },
      { type: 'systemReset' },
    ]);
  });

  it('decodes sysex messages split across chunks', () => {
    const { messages } = parse([0xf0, 0x6d], [0x07], [0xf7], [0xf0, 0x79, 0xf7]);
    expect(messages).toEqual([
      { type: 'sysex', command: 0x6d, data: [7] },
      { type: 'sysex', command: 0x79, data: [] },
    ]);
  });

  it('resynchronises on garbage: stray data bytes, truncated messages, unknown commands', () => {
    const { messages, parser } = parse(
      [
        [0x01, 0x02], // data bytes with no command
        [0xf4, 0x05], // SET_PIN_MODE cut short by…
        [0x80, 0x10, 0x20], // …an unknown MIDI note-off and its data
        [0xf0, 0x6b], // a sysex cut short by…
        [0xf9], // …REPORT_VERSION, which still counts
        [0xf7], // a stray END_SYSEX
        [0xf5, 0x02, 0x00], // a good message afterwards
      ].flat(),
    );
    expect(messages).toEqual([{ type: 'reportVersion' }, { type: 'setDigitalPinValue', pin: 2, value: 0 }]);
    expect(parser.discarded).toBeGreaterThan(0);
  });

  it('discards an oversized sysex and an empty one without losing the next message', () => {
    const huge = [0xf0, 0x71, ...new Array<number>(MAX_SYSEX_BYTES + 10).fill(0x41), 0xf7];
    const { messages } = parse(huge, [0xf0, 0xf7], [0xf9]);
    expect(messages).toEqual([{ type: 'reportVersion' }]);
  });

  it('never throws on random bytes', () => {
    const parser = new FirmataParser(() => {});
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed & 0xff;
    };
    for (let i = 0; i < 200; i++) {
      expect(() => parser.push(Uint8Array.from({ length: 64 }, random))).not.toThrow();
    }
  });
});

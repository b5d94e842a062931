import { describe, expect, it } from 'vitest';
import { encodeAnprLine, encodeRdm6300Frame } from './wire.js';

describe('encoders', () => {
  it('frames an RDM6300 tag with its XOR checksum', () => {
    expect(encodeRdm6300Frame('0102030405').toString('latin1')).toBe('\x02010203040501\x03');
  });

  it('writes an ANPR line as UTF-8 with CRLF and never in exponent form', () => {
    expect(encodeAnprLine('12가3456', 0.93).toString('utf8')).toBe('12가3456,0.93\r\n');
    expect(encodeAnprLine('12가3456', 93, ['lane-1']).toString('utf8')).toBe('12가3456,93,lane-1\r\n');
    expect(encodeAnprLine('AB1', 1e-7).toString('utf8')).toBe('AB1,0\r\n');
  });

  it.each([
    () => encodeRdm6300Frame('62E3086C'),
    () => encodeRdm6300Frame('62E3086CEG'),
    () => encodeAnprLine('12,34', 0.9),
    () => encodeAnprLine('', 0.9),
    () => encodeAnprLine('12가3456', 101),
    () => encodeAnprLine('12가3456', Number.NaN),
    () => encodeAnprLine('12가3456', 0.9, ['a,b']),
  ])('refuses malformed input (%#)', (encode) => {
    expect(encode).toThrow(RangeError);
  });
});

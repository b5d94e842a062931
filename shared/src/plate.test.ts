import { describe, expect, it } from 'vitest';
import { normalizeCredential, normalizePlate, normalizeRfidTag } from './plate.js';

describe('normalizePlate', () => {
  it.each([
    ['12가3456', '12가3456'],
    ['12가 3456', '12가3456'],
    ['12가-3456', '12가3456'],
    [' １２가３４５６ ', '12가3456'],
    ['서울 12 가 3456', '서울12가3456'],
    ['ab-123-c', 'AB123C'],
    ['B 123 xyz', 'B123XYZ'],
    ['m.ab.1234', 'MAB1234'],
    ['ＡＢ１２３', 'AB123'],
  ])('%j -> %j', (raw, expected) => {
    expect(normalizePlate(raw)).toEqual({ ok: true, value: expected });
  });

  it('keeps Hangul composed (NFC and NFD inputs give the same plate)', () => {
    const decomposed = '12가3456'.normalize('NFD');
    expect(decomposed).not.toBe('12가3456');
    expect(normalizePlate(decomposed)).toEqual({ ok: true, value: '12가3456' });
  });

  it.each(['', '   ', '--', '12가3456!', 'AB;DROP', 'A'.repeat(17), '🚗123'])('rejects %j', (raw) => {
    expect(normalizePlate(raw).ok).toBe(false);
  });
});

describe('normalizeRfidTag', () => {
  it('upper-cases and strips separators', () => {
    expect(normalizeRfidTag('0a:1b:2c:3d:4e')).toEqual({ ok: true, value: '0A1B2C3D4E' });
  });
  it.each(['', '0A1B2C', 'XYZ1234567', '0'.repeat(21)])('rejects %j', (raw) => {
    expect(normalizeRfidTag(raw).ok).toBe(false);
  });
  it('dispatches by kind', () => {
    expect(normalizeCredential('plate', '12 가 3456')).toEqual({ ok: true, value: '12가3456' });
    expect(normalizeCredential('rfid', '0a1b2c3d4e')).toEqual({ ok: true, value: '0A1B2C3D4E' });
  });
});

describe('plates of scripts with combining marks', () => {
  it.each([
    ['MH 12 कि 1234', 'MH12कि1234'],
    ['กข 1234', 'กข1234'],
    ['กิ 99', 'กิ99'],
  ])('%j -> %j', (raw, expected) => {
    expect(normalizePlate(raw)).toEqual({ ok: true, value: expected });
  });
});

describe('normalisation is idempotent', () => {
  it.each(['\u0390', '\u03b0', '\u1fd2', '\u1fd3', '\u1fd7', '\u1fe2', '\u1fe3', '\u1fe7'])(
    'for U+%s, whose upper case decomposes',
    (letter) => {
      const once = normalizePlate(`${letter}1`);
      expect(once.ok).toBe(true);
      if (once.ok) expect(normalizePlate(once.value)).toEqual(once);
    },
  );

  it('over every letter of the Greek, Latin-1 and Latin Extended blocks', () => {
    for (let cp = 0xc0; cp < 0x2000; cp++) {
      const once = normalizePlate(`${String.fromCodePoint(cp)}1`);
      if (once.ok) expect(normalizePlate(once.value), `U+${cp.toString(16)}`).toEqual(once);
    }
  });

  it('refuses a lone surrogate instead of storing U+FFFD', () => {
    expect(normalizePlate('A\ud800B')).toEqual({ ok: false, error: expect.stringMatching(/lone surrogate/) });
    expect(normalizePlate('12가3456😀').ok).toBe(false); // an emoji is no plate, but it is well formed
  });
});

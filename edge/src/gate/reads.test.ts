import { describe, expect, it } from 'vitest';
import { ReadAhead } from './reads.js';

describe('ReadAhead', () => {
  it('gives back a read once, and only while it is fresh', () => {
    let now = 1_000;
    const ahead = new ReadAhead({ now: () => now }, 3_000);
    expect(ahead.take()).toBeNull();
    ahead.keep({ kind: 'plate', value: '12가3456' });
    now += 3_000;
    expect(ahead.take()).toEqual({ kind: 'plate', value: '12가3456' });
    expect(ahead.take()).toBeNull();
    ahead.keep({ kind: 'rfid', value: '0A1B2C3D4E' });
    now += 3_001;
    expect(ahead.take()).toBeNull();
  });
});

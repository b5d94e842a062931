import { encodeAnprLine } from '@parkinglot/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mulberry32 } from '../serial/random.js';
import { collectingSink } from '../serial/sink.js';
import { edgeAnprLines } from '../serial/testing.js';
import { AnprCamera, misreadPlate } from './anpr-camera.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('AnprCamera', () => {
  it('writes one CRLF line per read that the edge parses back to the plate and confidence', () => {
    const out = collectingSink();
    const camera = new AnprCamera(out.sink);
    const read = camera.read('12가3456');
    expect(read).toMatchObject({ plate: '12가3456', confidence: 0.95, misread: false, lines: 1 });
    expect(out.bytes()).toEqual(encodeAnprLine('12가3456', 0.95));
    camera.read('34나5678', { confidence: 0.87, extra: ['lane-1', '2025-06-01T08:00:00+09:00'] });
    expect(edgeAnprLines(out.bytes())).toEqual([
      { ok: true, plate: '12가3456', confidence: 0.95 },
      { ok: true, plate: '34나5678', confidence: 0.87 },
    ]);
    expect(camera.linesSent).toBe(2);
  });

  it('can report confidence in percent, which the edge reads as the same fraction', () => {
    const out = collectingSink();
    new AnprCamera(out.sink, { confidenceFormat: 'percent' }).read('ABC123', { confidence: 0.93 });
    expect(out.bytes().toString()).toBe('ABC123,93\r\n');
    expect(edgeAnprLines(out.bytes())).toEqual([{ ok: true, plate: 'ABC123', confidence: 0.93 }]);
  });

  it('re-reports the plate `duplicates` times, repeatMs apart, while it stays in view', async () => {
    vi.useFakeTimers();
    const out = collectingSink();
    const camera = new AnprCamera(out.sink, { repeatMs: 250 });
    const read = camera.read('12가3456', { duplicates: 2 });
    expect(read.lines).toBe(3);
    expect(edgeAnprLines(out.bytes())).toHaveLength(1);
    vi.advanceTimersByTime(250);
    expect(edgeAnprLines(out.bytes())).toHaveLength(2);
    vi.advanceTimersByTime(250);
    await read.done;
    const lines = edgeAnprLines(out.bytes());
    expect(lines).toHaveLength(3);
    expect(new Set(lines.map((l) => JSON.stringify(l))).size).toBe(1);
  });

  it('sends duplicates together with repeatMs 0, and dispose stops pending ones', async () => {
    const together = collectingSink();
    new AnprCamera(together.sink, { repeatMs: 0 }).read('A1', { duplicates: 3 });
    expect(edgeAnprLines(together.bytes())).toHaveLength(4);

    vi.useFakeTimers();
    const out = collectingSink();
    const camera = new AnprCamera(out.sink, { repeatMs: 100 });
    const read = camera.read('A1', { duplicates: 5 });
    vi.advanceTimersByTime(100);
    camera.dispose();
    await read.done;
    vi.advanceTimersByTime(1000);
    expect(edgeAnprLines(out.bytes())).toHaveLength(2);
  });

  it('sends an explicit misread instead of the true plate', () => {
    const out = collectingSink();
    const read = new AnprCamera(out.sink).read('12가3456', { misread: '12가3458' });
    expect(read).toMatchObject({ plate: '12가3458', misread: true });
    expect(edgeAnprLines(out.bytes())).toEqual([{ ok: true, plate: '12가3458', confidence: 0.95 }]);
  });

  it('misreads and under-reads at the configured rates, the same way for the same seed', () => {
    const run = (seed: number) => {
      const out = collectingSink();
      const camera = new AnprCamera(out.sink, {
        random: mulberry32(seed),
        misreadRate: 0.3,
        lowConfidenceRate: 0.2,
      });
      const reads = Array.from({ length: 200 }, () => camera.read('12가3456'));
      return { reads, lines: edgeAnprLines(out.bytes()) };
    };
    const { reads, lines } = run(42);
    expect(lines.every((l) => l.ok)).toBe(true);
    const misreads = reads.filter((r) => r.misread);
    const low = reads.filter((r) => r.confidence === 0.4);
    expect(misreads.length).toBeGreaterThan(35);
    expect(misreads.length).toBeLessThan(85);
    expect(low.length).toBeGreaterThan(20);
    expect(low.length).toBeLessThan(65);
    for (const r of misreads) {
      expect(r.plate).not.toBe('12가3456');
      expect(r.plate).toHaveLength('12가3456'.length);
    }
    // The edge ignores a read below its 0.8 default, so these never open a gate.
    expect(lines.filter((l) => l.ok && l.confidence < 0.8)).toHaveLength(low.length);
    expect(run(42).reads.map((r) => r.plate)).toEqual(reads.map((r) => r.plate));
    expect(run(7).reads.map((r) => r.plate)).not.toEqual(reads.map((r) => r.plate));
  });

  it('an explicit confidence or misread takes precedence over the rates', () => {
    const out = collectingSink();
    const camera = new AnprCamera(out.sink, { random: () => 0, misreadRate: 1, lowConfidenceRate: 1 });
    expect(camera.read('AB12', { confidence: 0.9, misread: 'AB12' })).toMatchObject({
      plate: 'AB12',
      confidence: 0.9,
      misread: false,
    });
    expect(camera.read('AB12')).toMatchObject({ confidence: 0.4, misread: true });
  });

  it('garbage() writes a line the edge rejects', () => {
    const out = collectingSink();
    const camera = new AnprCamera(out.sink);
    camera.garbage();
    camera.garbage('12가3456,high');
    const lines = edgeAnprLines(out.bytes());
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => !l.ok)).toBe(true);
  });

  it('rejects a plate the wire cannot carry', () => {
    const camera = new AnprCamera(() => undefined);
    expect(() => camera.read('AB,12')).toThrow(RangeError);
  });
});

describe('misreadPlate', () => {
  it('swaps one confusable character, or the last one when none is', () => {
    const random = mulberry32(1);
    for (let i = 0; i < 50; i++) {
      const wrong = misreadPlate('12가3456', random);
      const diff = [...wrong].filter((c, j) => c !== [...'12가3456'][j]);
      expect(diff).toHaveLength(1);
    }
    expect(misreadPlate('가나다')).toBe('가나X');
  });
});

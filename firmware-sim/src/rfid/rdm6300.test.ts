import { encodeRdm6300Frame } from '@parkinglot/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mulberry32 } from '../serial/random.js';
import { collectingSink } from '../serial/sink.js';
import { edgeRdm6300Frames } from '../serial/testing.js';
import { corruptFrame, Rdm6300Emulator } from './rdm6300.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('Rdm6300Emulator', () => {
  it('repeats the frame while the tag is in the field, repeatMs apart, as the reader does', async () => {
    vi.useFakeTimers();
    const out = collectingSink();
    const reader = new Rdm6300Emulator(out.sink);
    const shown = reader.present('62e3086ced');
    expect(shown).toMatchObject({ tag: '62E3086CED', frames: 3, corrupted: 0 });
    expect(out.bytes()).toEqual(encodeRdm6300Frame('62E3086CED'));
    expect(reader.presenting).toBe(true);
    vi.advanceTimersByTime(199);
    expect(edgeRdm6300Frames(out.bytes())).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(edgeRdm6300Frames(out.bytes())).toHaveLength(2);
    vi.advanceTimersByTime(200);
    await shown.done;
    expect(reader.presenting).toBe(false);
    expect(edgeRdm6300Frames(out.bytes())).toEqual(Array(3).fill({ ok: true, tag: '62E3086CED' }));
    expect(out.bytes()).toEqual(Buffer.concat(Array(3).fill(encodeRdm6300Frame('62E3086CED'))));
  });

  it('a corrupt presentation only sends frames whose checksum the edge rejects', () => {
    const out = collectingSink();
    const shown = new Rdm6300Emulator(out.sink, { repeatMs: 0 }).present('0A1B2C3D4E', {
      frames: 4,
      corrupt: true,
    });
    expect(shown.corrupted).toBe(4);
    const frames = edgeRdm6300Frames(out.bytes());
    expect(frames).toHaveLength(4);
    for (const frame of frames) expect(frame).toMatchObject({ ok: false, error: /checksum/ });
  });

  it('corruptFrame changes exactly one checksum character, keeping it hex', () => {
    for (const tag of ['62E3086CED', '0000000000', 'FFFFFFFFFF', '0A1B2C3D4E']) {
      const good = encodeRdm6300Frame(tag);
      const bad = corruptFrame(good);
      expect(bad).toHaveLength(good.length);
      const changed = [...bad.keys()].filter((i) => bad[i] !== good[i]);
      expect(changed).toEqual([12]);
      expect(String.fromCharCode(bad[12]!)).toMatch(/^[0-9A-F]$/);
    }
  });

  it('corrupts frames at corruptRate, the same ones for the same seed', () => {
    const run = (seed: number) => {
      const out = collectingSink();
      const reader = new Rdm6300Emulator(out.sink, {
        repeatMs: 0,
        corruptRate: 0.25,
        random: mulberry32(seed),
      });
      const shown = Array.from({ length: 50 }, () => reader.present('62E3086CED'));
      return { shown, frames: edgeRdm6300Frames(out.bytes()) };
    };
    const { shown, frames } = run(3);
    expect(frames).toHaveLength(150);
    const bad = frames.filter((f) => !f.ok).length;
    expect(bad).toBe(shown.reduce((sum, s) => sum + s.corrupted, 0));
    expect(bad).toBeGreaterThan(20);
    expect(bad).toBeLessThan(60);
    expect(run(3).frames).toEqual(frames);
  });

  it('noise between frames is skipped by the edge; noise with STX cuts a frame short', () => {
    const out = collectingSink();
    const reader = new Rdm6300Emulator(out.sink, { repeatMs: 0, random: mulberry32(9) });
    reader.noise();
    reader.present('62E3086CED', { frames: 1 });
    reader.noise([0xff, 0x00, 0x41]);
    reader.present('0A1B2C3D4E', { frames: 1 });
    expect(edgeRdm6300Frames(out.bytes())).toEqual([
      { ok: true, tag: '62E3086CED' },
      { ok: true, tag: '0A1B2C3D4E' },
    ]);
    out.clear();
    reader.noise([0x02, 0x36, 0x32]);
    reader.present('62E3086CED', { frames: 1 });
    expect(edgeRdm6300Frames(out.bytes())).toEqual([
      { ok: false, error: 'frame cut short by the next STX' },
      { ok: true, tag: '62E3086CED' },
    ]);
  });

  it('frames split anywhere by the transport still decode (the sink gets whole frames)', () => {
    const out = collectingSink();
    new Rdm6300Emulator(out.sink, { repeatMs: 0 }).present('62E3086CED', { frames: 2 });
    const bytes = out.bytes();
    expect(edgeRdm6300Frames(bytes.subarray(0, 5), bytes.subarray(5, 17), bytes.subarray(17))).toHaveLength(
      2,
    );
  });

  it('dispose stops the repeats of a tag still in the field', async () => {
    vi.useFakeTimers();
    const out = collectingSink();
    const reader = new Rdm6300Emulator(out.sink);
    const shown = reader.present('62E3086CED', { frames: 10 });
    reader.dispose();
    await shown.done;
    vi.advanceTimersByTime(5000);
    expect(reader.framesSent).toBe(1);
  });

  it('a new tag takes the place of one still in the field', async () => {
    vi.useFakeTimers();
    const out = collectingSink();
    const reader = new Rdm6300Emulator(out.sink);
    const first = reader.present('62E3086CED', { frames: 5 });
    vi.advanceTimersByTime(200);
    reader.present('0A1B2C3D4E', { frames: 2 });
    await first.done;
    vi.advanceTimersByTime(5000);
    expect(edgeRdm6300Frames(out.bytes()).map((f) => f.ok && f.tag)).toEqual([
      '62E3086CED',
      '62E3086CED',
      '0A1B2C3D4E',
      '0A1B2C3D4E',
    ]);
  });

  it('rejects a tag that is not 10 hex characters', () => {
    expect(() => new Rdm6300Emulator(() => undefined).present('XYZ')).toThrow(RangeError);
  });
});

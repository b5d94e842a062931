import { encodeRdm6300Frame } from '@parkinglot/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TagRead } from '../ports.js';
import { ByteFeed } from './byte-feed.js';
import { Rdm6300Reader } from './rdm6300.js';
import { Rdm6300Decoder, type Rdm6300Frame } from './rdm6300-frame.js';
import { chunked, recordingLogger } from './testing.js';

// The frame printed in most RDM6300 write-ups, independent of our encoder: 02 "62E3086CED" "08" 03.
const KNOWN = Buffer.from([0x02, ...Buffer.from('62E3086CED08', 'ascii'), 0x03]);

function decodeAll(...chunks: Uint8Array[]): Rdm6300Frame[] {
  const frames: Rdm6300Frame[] = [];
  const decoder = new Rdm6300Decoder((frame) => frames.push(frame));
  for (const chunk of chunks) decoder.push(chunk);
  return frames;
}

const frame = (body: string) => Buffer.from(`\x02${body}\x03`, 'latin1');

describe('Rdm6300Decoder', () => {
  it('decodes the well-known frame, and our encoder produces exactly it', () => {
    expect(decodeAll(KNOWN)).toEqual([{ ok: true, tag: '62E3086CED' }]);
    expect(encodeRdm6300Frame('62e3086ced')).toEqual(KNOWN);
  });

  it('decodes frames fed byte by byte and in odd chunks, several to a chunk', () => {
    const stream = Buffer.concat([KNOWN, encodeRdm6300Frame('0102030405'), KNOWN]);
    const expected = ['62E3086CED', '0102030405', '62E3086CED'].map((tag) => ({ ok: true, tag }));
    for (const sizes of [[1], [3], [5, 1, 7], [13], [stream.length]]) {
      expect(decodeAll(...chunked(stream, sizes))).toEqual(expected);
    }
  });

  it('drops a frame with a bad checksum', () => {
    expect(decodeAll(frame('62E3086CED09'))).toEqual([{ ok: false, error: 'checksum 09 does not match 08' }]);
  });

  it('drops frames with non-hex characters or the wrong length', () => {
    const results = decodeAll(frame('62E3086CEG08'), frame('62E3086C08'), frame('62E3086CED0800'));
    expect(results.map((r) => r.ok)).toEqual([false, false, false]);
  });

  it('skips garbage between frames and resynchronises on the next STX', () => {
    const noise = Buffer.from([0xff, 0x00, 0x03, 0x41, 0x0d, 0x0a]);
    const truncated = Buffer.from('\x0262E30', 'latin1'); // cut off by the STX that follows
    const results = decodeAll(Buffer.concat([noise, KNOWN, noise, truncated, KNOWN, noise]));
    expect(results).toEqual([
      { ok: true, tag: '62E3086CED' },
      { ok: false, error: 'frame cut short by the next STX' },
      { ok: true, tag: '62E3086CED' },
    ]);
  });

  it('accepts lower-case hex from clones and reports the tag upper-case', () => {
    expect(decodeAll(frame('62e3086ced08'))).toEqual([{ ok: true, tag: '62E3086CED' }]);
  });
});

describe('Rdm6300Reader', () => {
  let feed: ByteFeed;
  let reader: Rdm6300Reader;
  let reads: TagRead[];
  const logger = recordingLogger();

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 1_000_000 });
    feed = new ByteFeed();
    reader = new Rdm6300Reader({ source: () => feed, logger });
    reads = [];
    reader.onTag((read) => reads.push(read));
    await reader.start();
  });

  afterEach(async () => {
    await reader.stop();
    vi.useRealTimers();
  });

  it('emits { tag, at } stamped by the injected clock', () => {
    feed.push(KNOWN);
    expect(reads).toEqual([{ tag: '62E3086CED', at: 1_000_000 }]);
    expect(reader.connected).toBe(true);
  });

  it('counts bad frames as rejected without emitting', () => {
    feed.push(Buffer.concat([frame('62E3086CED09'), frame('XYZ'), KNOWN]));
    expect(reads.map((r) => r.tag)).toEqual(['62E3086CED']);
    expect(reader.stats).toMatchObject({ reads: 1, rejected: 2 });
    expect(logger.messages('debug')).toContain('rdm6300: rejected: checksum 09 does not match 08');
  });

  it('counts the repeats of a held tag as duplicates, and reads it again once it was away', () => {
    // The module repeats the frame about every 250 ms while the tag is in the field.
    for (let i = 0; i < 20; i += 1) {
      feed.push(KNOWN);
      vi.advanceTimersByTime(250);
    }
    expect(reads).toHaveLength(1);
    expect(reader.stats.duplicates).toBe(19);

    vi.advanceTimersByTime(1999 - 250); // taken away: last frame was 1999 ms ago
    feed.push(KNOWN);
    expect(reads).toHaveLength(1);

    vi.advanceTimersByTime(2000);
    feed.push(KNOWN);
    expect(reads).toHaveLength(2);
  });

  it('reads a different tag inside the window', () => {
    feed.push(KNOWN);
    feed.push(encodeRdm6300Frame('0102030405'));
    expect(reads.map((r) => r.tag)).toEqual(['62E3086CED', '0102030405']);
  });

  it('forgets a half frame when the link comes back, and counts the disconnect', () => {
    feed.push(KNOWN.subarray(0, 6));
    feed.setConnected(false);
    feed.setConnected(true);
    feed.push(KNOWN.subarray(6)); // the tail alone is noise, not a frame
    feed.push(encodeRdm6300Frame('0102030405'));
    expect(reads.map((r) => r.tag)).toEqual(['0102030405']);
    expect(reader.stats).toMatchObject({ rejected: 0, disconnects: 1 });
  });

  it('keeps other listeners and the rest of the chunk going when a listener throws', () => {
    reader.onTag(() => {
      throw new Error('listener bug');
    });
    feed.push(Buffer.concat([KNOWN, encodeRdm6300Frame('0102030405')]));
    expect(reads).toHaveLength(2);
    expect(logger.messages('error')).toContain('rdm6300: read listener threw');
  });

  it('stops delivering after unsubscribe and after stop', async () => {
    const late: TagRead[] = [];
    const unsubscribe = reader.onTag((read) => late.push(read));
    unsubscribe();
    feed.push(KNOWN);
    expect(late).toEqual([]);
    await reader.stop();
    expect(feed.closed).toBe(true);
    expect(reader.connected).toBe(false);
  });
});

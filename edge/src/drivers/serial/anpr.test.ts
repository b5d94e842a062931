import { encodeAnprLine } from '@parkinglot/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PlateRead } from '../ports.js';
import { AnprCameraReader, type AnprCameraReaderOptions, parseAnprLine } from './anpr.js';
import { ByteFeed } from './byte-feed.js';
import { chunked, recordingLogger } from './testing.js';

describe('parseAnprLine', () => {
  it.each([
    ['12가3456,0.93', '12가3456', 0.93],
    ['12가3456,93', '12가3456', 0.93],
    ['12가3456,100', '12가3456', 1],
    ['12가3456,1', '12가3456', 1],
    [' 12가 3456 , 0.5 ,lane-1,2025-06-01T08:00:00+09:00', '12가 3456', 0.5],
    ['AB123C,0', 'AB123C', 0],
  ])('%j → %s at %d', (line, plate, confidence) => {
    expect(parseAnprLine(line)).toEqual({ ok: true, plate, confidence });
  });

  it.each([
    '12가3456',
    ',0.9',
    '12가3456,',
    '12가3456,high',
    '12가3456,-0.9',
    '12가3456,1e-1',
    '12가3456,100.5',
    '12가3456,.9',
    '12\u0000가3456,0.9',
  ])('rejects %j', (line) => {
    expect(parseAnprLine(line).ok).toBe(false);
  });
});

describe('AnprCameraReader', () => {
  let feed: ByteFeed;
  let reader: AnprCameraReader;
  let reads: PlateRead[];
  let logger: ReturnType<typeof recordingLogger>;

  async function startReader(options: Partial<AnprCameraReaderOptions> = {}): Promise<void> {
    feed = new ByteFeed();
    logger = recordingLogger();
    reader = new AnprCameraReader({ source: () => feed, logger, ...options });
    reads = [];
    reader.onPlate((read) => reads.push(read));
    await reader.start();
  }

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 5_000 });
    await startReader();
  });

  afterEach(async () => {
    await reader.stop();
    vi.useRealTimers();
  });

  it('reads lines fed byte by byte and in odd chunks, with CRLF or a bare LF', () => {
    const stream = Buffer.concat([
      encodeAnprLine('12가3456', 0.93),
      Buffer.from('34나5678,88,lane-2\n'),
      encodeAnprLine('AB123C', 0.99),
    ]);
    for (const sizes of [[1], [2], [3, 7, 1], [stream.length]]) {
      reads = [];
      vi.advanceTimersByTime(10_000); // past the duplicate window between passes
      for (const chunk of chunked(stream, sizes)) feed.push(chunk);
      expect(reads.map((r) => [r.plate, r.confidence])).toEqual([
        ['12가3456', 0.93],
        ['34나5678', 0.88],
        ['AB123C', 0.99],
      ]);
    }
    expect(reader.stats).toMatchObject({ reads: 12, rejected: 0 });
  });

  it('reassembles a Korean plate split in the middle of a character', () => {
    const line = encodeAnprLine('12가3456', 0.93);
    const ga = line.indexOf(0xea); // 가 is EA B0 80 in UTF-8
    feed.push(line.subarray(0, ga + 1));
    feed.push(line.subarray(ga + 1, ga + 2));
    feed.push(line.subarray(ga + 2));
    expect(reads).toEqual([{ plate: '12가3456', confidence: 0.93, at: 5_000 }]);
  });

  it('rejects invalid UTF-8 instead of passing on a mangled plate', () => {
    feed.push(Buffer.from([0x31, 0x32, 0xea, 0x33, ...Buffer.from(',0.93\r\n')]));
    expect(reads).toEqual([]);
    expect(reader.stats.rejected).toBe(1);
  });

  it('counts reads below minConfidence and does not emit them', async () => {
    feed.push(encodeAnprLine('12가3456', 0.79));
    feed.push(encodeAnprLine('34나5678', 0.8));
    expect(reads.map((r) => r.plate)).toEqual(['34나5678']);
    expect(reader.stats).toMatchObject({ reads: 1, lowConfidence: 1 });

    await reader.stop();
    await startReader({ minConfidence: 0.95 });
    feed.push(encodeAnprLine('12가3456', 94));
    expect(reader.stats).toMatchObject({ reads: 0, lowConfidence: 1 });
  });

  it('ignores the same plate within the duplicate window, however it is spaced', () => {
    feed.push(encodeAnprLine('12가3456', 0.93));
    vi.advanceTimersByTime(2999);
    feed.push(encodeAnprLine('12가 3456', 0.95));
    vi.advanceTimersByTime(2999);
    feed.push(encodeAnprLine('12가-3456', 0.95));
    expect(reads).toHaveLength(1);
    expect(reader.stats.duplicates).toBe(2);

    vi.advanceTimersByTime(3000);
    feed.push(encodeAnprLine('12가3456', 0.91));
    expect(reads.map((r) => r.at)).toEqual([5_000, 5_000 + 2999 + 2999 + 3000]);
  });

  it('drops an over-long line without a terminator and recovers on the next line', () => {
    const junk = Buffer.alloc(100_000, 0x41); // 100 kB of "A" and no LF
    for (const chunk of chunked(junk, [4096])) feed.push(chunk);
    feed.push(Buffer.from('\r\n'));
    feed.push(encodeAnprLine('12가3456', 0.93));
    expect(reads.map((r) => r.plate)).toEqual(['12가3456']);
    expect(reader.stats.rejected).toBe(1);
  });

  it('accepts a line of exactly maxLineBytes and rejects one byte more', async () => {
    const line = '12가3456,0.93,lane-1';
    await reader.stop();
    await startReader({ maxLineBytes: Buffer.byteLength(line) }); // 가 takes three bytes
    feed.push(`${line}\r\n`);
    feed.push(`${line}0\r\n`);
    expect(reads).toHaveLength(1);
    expect(reader.stats.rejected).toBe(1);
  });

  it('counts unparsable lines as rejected, logs them at debug, and skips blank lines', () => {
    feed.push('garbage\r\n\r\n  \r\n12가3456,lots\r\n');
    expect(reader.stats).toMatchObject({ reads: 0, rejected: 2 });
    expect(logger.messages('debug')).toContain('anpr: rejected: expected PLATE,CONFIDENCE: "garbage"');
  });

  it('reports disconnects from its source and drops the half line they cut', () => {
    feed.push('12가34');
    feed.setConnected(false);
    expect(reader.connected).toBe(false);
    feed.setConnected(true);
    feed.push(encodeAnprLine('34나5678', 0.9));
    expect(reads.map((r) => r.plate)).toEqual(['34나5678']);
    expect(reader.stats).toMatchObject({ disconnects: 1, rejected: 0 });
  });
});

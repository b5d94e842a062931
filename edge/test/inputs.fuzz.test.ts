/**
 * Property-based fuzzing of what reaches the agent from outside the cloud link: ANPR camera lines,
 * RDM6300 bytes (split anywhere, with noise), and the config file. None may throw past its own
 * error type, and what comes out is within its bounds. `PARKING_FUZZ_RUNS` sets the cases.
 */
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RDM6300_ETX, RDM6300_STX } from '@parkinglot/shared';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeConfigError, loadEdgeConfig } from '../src/config/load.js';
import { parseAnprLine } from '../src/drivers/serial/anpr.js';
import { Rdm6300Decoder, type Rdm6300Frame } from '../src/drivers/serial/rdm6300-frame.js';

const numRuns = Number(process.env.PARKING_FUZZ_RUNS ?? 150);
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));

/** A well-formed frame for `data` (5 bytes): STX, 10 hex, the XOR checksum in 2 hex, ETX. */
function frame(data: number[]): Buffer {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');
  const checksum = data.reduce((x, b) => x ^ b, 0);
  return Buffer.concat([
    Buffer.from([RDM6300_STX]),
    Buffer.from(data.map(hex).join('') + hex(checksum), 'ascii'),
    Buffer.from([RDM6300_ETX]),
  ]);
}

describe('edge input fuzz', () => {
  it('ANPR lines: a result for any line, and a plate only without control characters', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          text,
          fc.tuple(text, fc.double(), text).map(([p, c, r]) => `${p},${c}${r}`),
        ),
        (line) => {
          const parsed = parseAnprLine(line);
          if (parsed.ok) {
            expect(parsed.plate.length).toBeGreaterThan(0);
            expect(/\p{Cc}/u.test(parsed.plate)).toBe(false);
            expect(parsed.confidence).toBeGreaterThanOrEqual(0);
            expect(parsed.confidence).toBeLessThanOrEqual(1);
          } else {
            expect(parsed.error).toEqual(expect.any(String));
          }
        },
      ),
      { numRuns },
    );
  });

  it('RDM6300 bytes: noise never throws or yields a tag, and a good frame in it is always read', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 5, maxLength: 5 }),
        fc.integer({ min: 1, max: 20 }),
        (noise, data, chunk) => {
          const frames: Rdm6300Frame[] = [];
          const decoder = new Rdm6300Decoder((f) => frames.push(f));
          // Noise first, then ETX (ends a frame the noise may have opened), then the good frame.
          const bytes = Buffer.concat([Buffer.from(noise), Buffer.from([RDM6300_ETX]), frame(data)]);
          for (let i = 0; i < bytes.length; i += chunk) decoder.push(bytes.subarray(i, i + chunk));
          const tags = frames.flatMap((f) => (f.ok ? [f.tag] : []));
          for (const tag of tags) expect(tag).toMatch(/^[0-9A-F]{10}$/);
          expect(tags.at(-1)).toBe(Buffer.from(data).toString('hex').toUpperCase());
        },
      ),
      { numRuns },
    );
  });

  describe('config file', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'parkinglot-fuzz-config-'));
    });
    afterAll(async () => rm(dir, { recursive: true, force: true }));

    it('loads or fails with EdgeConfigError naming what is wrong, for any file', () => {
      const file = join(dir, 'gate.json');
      const value = fc.oneof(
        text,
        fc.integer(),
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.jsonValue({ maxDepth: 3 }),
      );
      const settings = fc.dictionary(
        fc.constantFrom(
          'gateId',
          'direction',
          'mqtt',
          'dataDir',
          'plateReader',
          'board',
          'outbox',
          'timing',
          'logLevel',
          'authTimeoutMs',
          'breaker',
        ),
        value,
      );
      fc.assert(
        fc.property(
          fc.oneof(
            fc.json({ maxDepth: 4 }),
            text,
            settings.map((s) => JSON.stringify(s)),
          ),
          (content) => {
            writeFileSync(file, content);
            try {
              loadEdgeConfig({ file, env: {} });
            } catch (error) {
              expect(error).toBeInstanceOf(EdgeConfigError);
              const problems = (error as EdgeConfigError).problems;
              expect(problems.length).toBeGreaterThan(0);
              for (const problem of problems) expect(problem.trim().length).toBeGreaterThan(0);
            }
          },
        ),
        { numRuns },
      );
    });
  });
});

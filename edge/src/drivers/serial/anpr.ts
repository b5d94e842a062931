/**
 * The ANPR camera's line protocol, over a serial line or its raw TCP port.
 *
 * One read per line, UTF-8, terminated by CRLF (a bare LF is accepted too):
 *
 *     line       = plate "," confidence *( "," field ) [ CR ] LF
 *     plate      = 1*( any UTF-8 character except "," CR LF and control characters )
 *     confidence = 1*DIGIT [ "." 1*DIGIT ]
 *     field      = *( any UTF-8 character except "," CR LF )      ; ignored (lane id, camera time…)
 *
 *     12가3456,0.93\r\n
 *     12가3456,93,lane-1,2025-06-01T08:00:00+09:00\r\n
 *
 * Spaces around the plate and the confidence are trimmed. The confidence is a fraction when it is
 * at most 1 and a percentage when it is above 1 (93 → 0.93); above 100 it is malformed. So "1"
 * means certain, never 1 %: a camera reporting percentages never sends a usable read at ≤ 1 %,
 * and such a read would be dropped by any sane threshold anyway.
 *
 * A line that does not match is counted in `rejected` and logged at debug; a line longer than
 * `maxLineBytes` is dropped and counted the same way; a blank line is ignored without counting
 * (some cameras send one as a heartbeat). The plate is passed on as sent: the gate logic
 * normalises it. Normalisation is used here only to recognise the same plate written twice
 * differently ("12가 3456", "12가3456") inside the duplicate window.
 */
import { normalizePlate } from '@parkinglot/shared';
import type { PlateRead, PlateReader, ReaderStats, Unsubscribe } from '../ports.js';
import { DuplicateWindow } from './duplicate-window.js';
import { LineSplitter } from './line-splitter.js';
import { ReaderCore, type ReaderOptions } from './reader-core.js';

export type AnprLine = { ok: true; plate: string; confidence: number } | { ok: false; error: string };

const CONFIDENCE = /^\d+(?:\.\d+)?$/;
const CONTROL = /\p{Cc}/u;

export function parseAnprLine(line: string): AnprLine {
  const fields = line.split(',');
  if (fields.length < 2) return { ok: false, error: 'expected PLATE,CONFIDENCE' };
  const plate = fields[0]!.trim();
  const confidence = fields[1]!.trim();
  if (plate === '') return { ok: false, error: 'plate is empty' };
  if (CONTROL.test(plate)) return { ok: false, error: 'plate contains a control character' };
  if (!CONFIDENCE.test(confidence)) return { ok: false, error: 'confidence is not a decimal number' };
  const value = Number(confidence);
  if (value > 100) return { ok: false, error: 'confidence is above 100' };
  return { ok: true, plate, confidence: value > 1 ? value / 100 : value };
}

export interface AnprCameraReaderOptions extends ReaderOptions {
  /** Reads below this (0–1) are counted in `lowConfidence` and not emitted. */
  minConfidence?: number;
  /** The same plate again within this many ms of its last sighting is counted in `duplicates`. */
  duplicateWindowMs?: number;
  /** Longest accepted line, terminator excluded. */
  maxLineBytes?: number;
}

export const ANPR_DEFAULTS = { minConfidence: 0.8, duplicateWindowMs: 3000, maxLineBytes: 256 } as const;

export class AnprCameraReader implements PlateReader {
  readonly #core: ReaderCore<PlateRead>;
  readonly #splitter: LineSplitter;
  // fatal: a line with broken UTF-8 is rejected rather than passed on with U+FFFD in the plate.
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });
  readonly #duplicates: DuplicateWindow;
  readonly #minConfidence: number;

  constructor(options: AnprCameraReaderOptions) {
    this.#minConfidence = options.minConfidence ?? ANPR_DEFAULTS.minConfidence;
    if (!(this.#minConfidence >= 0 && this.#minConfidence <= 1)) {
      throw new RangeError(`minConfidence must be between 0 and 1, got ${this.#minConfidence}`);
    }
    this.#duplicates = new DuplicateWindow(options.duplicateWindowMs ?? ANPR_DEFAULTS.duplicateWindowMs);
    const maxLineBytes = options.maxLineBytes ?? ANPR_DEFAULTS.maxLineBytes;
    this.#splitter = new LineSplitter(maxLineBytes, {
      line: (bytes) => this.#line(bytes),
      overflow: () => this.#core.reject(() => `line longer than ${maxLineBytes} bytes dropped`),
    });
    this.#core = new ReaderCore('anpr', options, this.#splitter);
  }

  get stats(): Readonly<ReaderStats> {
    return this.#core.stats;
  }

  get connected(): boolean {
    return this.#core.connected;
  }

  onPlate(listener: (read: PlateRead) => void): Unsubscribe {
    return this.#core.subscribe(listener);
  }

  start(): Promise<void> {
    return this.#core.start();
  }

  stop(): Promise<void> {
    return this.#core.stop();
  }

  #line(bytes: Uint8Array): void {
    let text: string;
    try {
      text = this.#decoder.decode(bytes);
    } catch {
      this.#core.reject(() => 'line is not valid UTF-8');
      return;
    }
    if (text.trim() === '') return;
    const parsed = parseAnprLine(text);
    if (!parsed.ok) {
      this.#core.reject(() => `${parsed.error}: ${JSON.stringify(text)}`);
      return;
    }
    const { plate, confidence } = parsed;
    const { counters, clock, logger } = this.#core;
    if (confidence < this.#minConfidence) {
      counters.lowConfidence += 1;
      logger.debug(() => `anpr: ${plate} at confidence ${confidence} is below ${this.#minConfidence}`);
      return;
    }
    const at = clock.now();
    const normalized = normalizePlate(plate);
    if (this.#duplicates.isRepeat(normalized.ok ? normalized.value : plate, at)) {
      counters.duplicates += 1;
      return;
    }
    this.#core.emit({ plate, confidence, at });
  }
}

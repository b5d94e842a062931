/**
 * An ANPR camera's line output (grammar in the edge's anpr.ts): one `PLATE,CONFIDENCE[,extra…]`
 * CRLF line per read. Like a real camera it re-reports a plate while it stays in view, sometimes
 * reads it wrong (a confusable character swapped) and sometimes reads it with a confidence too low
 * for the gate to act on. Those faults are drawn from an injected random source, so a scenario with
 * a seeded one (mulberry32) misreads the same cars on every run.
 */
import { encodeAnprLine } from '@parkinglot/shared';
import { type SimClock, systemClock } from '../firmata/clock.js';
import { chance, pick, type Random } from '../serial/random.js';
import { Repeats } from '../serial/repeats.js';
import { type ByteOutput, type ByteSink, toSink } from '../serial/sink.js';

export interface AnprCameraOptions {
  /** Default Math.random. */
  random?: Random;
  /** Share of reads (0–1) sent as a misread plate when the call does not say. Default 0. */
  misreadRate?: number;
  /** Share of reads (0–1) sent at `lowConfidence` when the call gives no confidence. Default 0. */
  lowConfidenceRate?: number;
  /** Confidence of a low-confidence read; below the edge's default 0.8, so it is ignored. Default 0.4. */
  lowConfidence?: number;
  /**
   * 'fraction' writes 0.95, 'percent' writes 95 (the edge accepts both). In percent a confidence of
   * 1 % or less would print as "1" or less, which the grammar reads as a fraction. Default 'fraction'.
   */
  confidenceFormat?: 'fraction' | 'percent';
  /** Gap between a read and its duplicates (the camera's re-report interval). Default 300 ms; 0 sends them together. */
  repeatMs?: number;
  clock?: SimClock;
}

export interface AnprReadOptions {
  /** 0–1. Default 0.95, or the camera's `lowConfidence` when its lowConfidenceRate hits. */
  confidence?: number;
  /** Identical lines sent after the first, `repeatMs` apart. Default 0. */
  duplicates?: number;
  /** Send this (wrong) plate instead of the true one; the camera's misreadRate is not drawn. */
  misread?: string;
  /** Extra fields after the confidence (lane id, camera time…), ignored by the edge. */
  extra?: string[];
}

/** What the camera sent for one read. */
export interface AnprRead {
  /** The plate as sent (the misread one when misread). */
  plate: string;
  confidence: number;
  misread: boolean;
  lines: number;
  /** Resolves once the last duplicate is out (or the camera was disposed). Never rejects. */
  done: Promise<void>;
}

// Characters an OCR engine confuses on a plate, most likely first.
const CONFUSABLE: Record<string, string> = {
  '0': '8D',
  '1': '7I',
  '2': 'Z7',
  '3': '8',
  '4': '1',
  '5': '6S',
  '6': '5G',
  '7': '1',
  '8': '3B0',
  '9': '0',
  B: '8',
  D: '0',
  G: '6',
  I: '1',
  O: '0',
  S: '5',
  Z: '2',
};

/** The plate with one confusable character swapped (or its last character replaced when none is). */
export function misreadPlate(plate: string, random: Random = Math.random): string {
  const chars = [...plate];
  const positions = chars.flatMap((c, i) => (CONFUSABLE[c.toUpperCase()] ? [i] : []));
  if (positions.length === 0) {
    const last = chars.length - 1;
    chars[last] = chars[last] === 'X' ? 'Y' : 'X';
    return chars.join('');
  }
  const at = positions[pick(random, positions.length)]!;
  const options = CONFUSABLE[chars[at]!.toUpperCase()]!;
  chars[at] = options[pick(random, options.length)]!;
  return chars.join('');
}

export class AnprCamera {
  private readonly sink: ByteSink;
  private readonly random: Random;
  private readonly options: Required<Omit<AnprCameraOptions, 'random' | 'clock'>>;
  private readonly repeats: Repeats;
  private sentLines = 0;

  constructor(output: ByteOutput, options: AnprCameraOptions = {}) {
    this.sink = toSink(output);
    this.random = options.random ?? Math.random;
    this.repeats = new Repeats(options.clock ?? systemClock);
    this.options = {
      misreadRate: options.misreadRate ?? 0,
      lowConfidenceRate: options.lowConfidenceRate ?? 0,
      lowConfidence: options.lowConfidence ?? 0.4,
      confidenceFormat: options.confidenceFormat ?? 'fraction',
      repeatMs: options.repeatMs ?? 300,
    };
  }

  /** Lines written so far (reads, duplicates and garbage). */
  get linesSent(): number {
    return this.sentLines;
  }

  /**
   * A plate comes into view: one line, then `duplicates` identical ones. A plate still being
   * re-reported from an earlier call has left the view (one vehicle in the lane at a time). A plate
   * the wire cannot carry (empty, a comma, a line break) throws.
   */
  read(plate: string, options: AnprReadOptions = {}): AnprRead {
    const confidence =
      options.confidence ??
      (chance(this.random, this.options.lowConfidenceRate) ? this.options.lowConfidence : 0.95);
    let sent = plate;
    if (options.misread !== undefined) sent = options.misread;
    else if (chance(this.random, this.options.misreadRate)) sent = misreadPlate(plate, this.random);
    const written = this.options.confidenceFormat === 'percent' ? confidence * 100 : confidence;
    const line = encodeAnprLine(sent, written, options.extra);
    this.repeats.cancelAll();
    const lines = 1 + Math.max(0, Math.floor(options.duplicates ?? 0));
    const done = this.repeats.run(lines, this.options.repeatMs, () => this.send(line));
    return { plate: sent, confidence, misread: sent !== plate, lines, done };
  }

  /** A line that does not parse (the edge counts it as rejected); default "NO READ". */
  garbage(text = 'NO READ'): void {
    this.send(Buffer.from(`${text}\r\n`, 'utf8'));
  }

  /** Stops pending duplicates (the plate left the view, the camera was switched off). */
  dispose(): void {
    this.repeats.cancelAll();
  }

  private send(bytes: Buffer): void {
    this.sentLines += 1;
    this.sink(bytes);
  }
}

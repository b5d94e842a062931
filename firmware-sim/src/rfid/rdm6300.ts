/**
 * An RDM6300 125 kHz RFID reader's output (frame format in the edge's rdm6300-frame.ts): while a tag
 * is in the field the reader sends STX, ten hex characters, a two-character XOR checksum and ETX,
 * over and over, every ~100–300 ms. Faults for the edge to survive: a frame with a bad checksum
 * (a marginal read) and line noise between frames (power-up garbage, a floating RX line).
 */
import { encodeRdm6300Frame, RDM6300_ETX, RDM6300_STX } from '@parkinglot/shared';
import { type SimClock, systemClock } from '../firmata/clock.js';
import { chance, pick, type Random } from '../serial/random.js';
import { Repeats } from '../serial/repeats.js';
import { type ByteOutput, type ByteSink, toSink } from '../serial/sink.js';

export interface Rdm6300Options {
  /** Gap between repeated frames of one presentation. Default 200 ms; 0 sends them together. */
  repeatMs?: number;
  /** Share of frames (0–1) sent with a bad checksum. Default 0. */
  corruptRate?: number;
  /** Draws corrupt frames and default noise. Default Math.random. */
  random?: Random;
  clock?: SimClock;
}

export interface PresentOptions {
  /** Frames sent while the tag stays in the field. Default 3. */
  frames?: number;
  /** Every frame of this presentation gets a bad checksum, so the edge reads nothing. Default false. */
  corrupt?: boolean;
}

/** What the reader sent for one presentation. */
export interface Rdm6300Presentation {
  tag: string;
  frames: number;
  /** How many of them had a bad checksum. */
  corrupted: number;
  /** Resolves once the last frame is out (or the reader was disposed). Never rejects. */
  done: Promise<void>;
}

/** Position of the checksum's low hex digit in a frame: STX, 10 data characters, high digit. */
const CHECKSUM_LOW = 12;

/** A copy of `frame` with the checksum's low nibble flipped: still hex, no longer the right XOR. */
export function corruptFrame(frame: Buffer): Buffer {
  const copy = Buffer.from(frame);
  const digit = Number.parseInt(String.fromCharCode(copy[CHECKSUM_LOW]!), 16);
  copy[CHECKSUM_LOW] = (digit ^ 0x1).toString(16).toUpperCase().charCodeAt(0);
  return copy;
}

export class Rdm6300Emulator {
  private readonly sink: ByteSink;
  private readonly random: Random;
  private readonly repeatMs: number;
  private readonly corruptRate: number;
  private readonly repeats: Repeats;
  private sentFrames = 0;

  constructor(output: ByteOutput, options: Rdm6300Options = {}) {
    this.sink = toSink(output);
    this.random = options.random ?? Math.random;
    this.repeatMs = options.repeatMs ?? 200;
    this.corruptRate = options.corruptRate ?? 0;
    this.repeats = new Repeats(options.clock ?? systemClock);
  }

  /** Frames written so far, good and corrupt. */
  get framesSent(): number {
    return this.sentFrames;
  }

  /** Whether a presentation is still sending its repeats (a tag is in the field). */
  get presenting(): boolean {
    return this.repeats.active;
  }

  /**
   * A tag is held to the reader: `frames` frames, `repeatMs` apart. A tag still in the field from an
   * earlier call is taken away first (the reader sees one card at a time). A tag that is not 10 hex
   * characters throws.
   */
  present(tag: string, options: PresentOptions = {}): Rdm6300Presentation {
    const good = encodeRdm6300Frame(tag);
    this.repeats.cancelAll();
    const frames = Math.max(0, Math.floor(options.frames ?? 3));
    const corrupt = Array.from(
      { length: frames },
      () => options.corrupt === true || chance(this.random, this.corruptRate),
    );
    const done = this.repeats.run(frames, this.repeatMs, (i) => {
      this.sentFrames += 1;
      this.sink(corrupt[i] ? corruptFrame(good) : good);
    });
    return { tag: tag.toUpperCase(), frames, corrupted: corrupt.filter(Boolean).length, done };
  }

  /**
   * Raw bytes on the line, between frames. Default: 8 random bytes, none of them STX or ETX, so they
   * are skipped without disturbing the next frame; pass bytes containing STX to cut a frame short.
   */
  noise(bytes?: Uint8Array | readonly number[]): void {
    const raw = bytes ?? Array.from({ length: 8 }, () => this.noiseByte());
    this.sink(Buffer.from(raw));
  }

  /** Stops pending repeats (the tag left the field, the reader was switched off). */
  dispose(): void {
    this.repeats.cancelAll();
  }

  private noiseByte(): number {
    for (;;) {
      const byte = pick(this.random, 256);
      if (byte !== RDM6300_STX && byte !== RDM6300_ETX) return byte;
    }
  }
}

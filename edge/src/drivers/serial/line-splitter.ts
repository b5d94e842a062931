/**
 * Splits a byte stream into lines ending in LF (an optional CR before it is dropped), with a hard
 * cap on line length.
 *
 * Lines are cut on bytes and decoded whole, rather than decoding each chunk as it arrives: in UTF-8
 * the byte 0x0A never occurs inside a multi-byte sequence, so a character split across two chunks
 * is simply reassembled in the buffer, the length cap is an exact byte count, and a line with
 * invalid UTF-8 can be rejected instead of being patched with U+FFFD.
 */

const LF = 0x0a;
const CR = 0x0d;

export interface LineSplitterEvents {
  /** The line's bytes without its terminator; a view valid only during the call. */
  line(bytes: Uint8Array): void;
  /** A line longer than the cap was dropped; called once per such line. */
  overflow(): void;
}

export class LineSplitter {
  /** One spare byte holds a CR that may turn out to be the terminator's first half. */
  readonly #buffer: Uint8Array;
  #length = 0;
  /** Inside an over-long line: bytes are dropped until the next LF. */
  #discarding = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly events: LineSplitterEvents,
  ) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 1) {
      throw new RangeError(`maxLineBytes must be a positive integer, got ${maxLineBytes}`);
    }
    this.#buffer = new Uint8Array(maxLineBytes + 1);
  }

  push(chunk: Uint8Array): void {
    let start = 0;
    for (;;) {
      const lf = chunk.indexOf(LF, start);
      this.#append(chunk.subarray(start, lf === -1 ? chunk.length : lf));
      if (lf === -1) return;
      this.#endLine();
      start = lf + 1;
    }
  }

  /** Forgets a partial line, e.g. after a reconnect, so it cannot glue onto the next one. */
  reset(): void {
    this.#length = 0;
    this.#discarding = false;
  }

  #append(bytes: Uint8Array): void {
    if (this.#discarding || bytes.length === 0) return;
    if (this.#length + bytes.length > this.#buffer.length) {
      this.#length = 0;
      this.#discarding = true;
      this.events.overflow();
      return;
    }
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.length;
  }

  #endLine(): void {
    if (this.#discarding) {
      this.#discarding = false;
      return;
    }
    let end = this.#length;
    this.#length = 0;
    if (end > 0 && this.#buffer[end - 1] === CR) end -= 1;
    if (end > this.maxLineBytes) {
      this.events.overflow();
      return;
    }
    this.events.line(this.#buffer.subarray(0, end));
  }
}

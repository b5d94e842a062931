/**
 * The RDM6300 125 kHz reader's output frame (9600 baud, 8N1, sent unprompted while a tag is in
 * the field, repeated every few hundred milliseconds):
 *
 *     STX (0x02) | 10 ASCII hex: version byte + 32-bit card id | 2 ASCII hex: checksum | ETX (0x03)
 *
 * The checksum is the XOR of the five data bytes. Example: 02 "62E3086CED" "08" 03.
 */

import { RDM6300_ETX as ETX, hexByte, RDM6300_STX as STX } from '@parkinglot/shared';

/** Hex characters between STX and ETX: ten of data, two of checksum. */
export const FRAME_BODY_LENGTH = 12;

export type Rdm6300Frame = { ok: true; tag: string } | { ok: false; error: string };

/**
 * Byte-at-a-time frame decoder: frames may arrive split anywhere, several to a chunk, or with line
 * noise between them. Bytes outside a frame are skipped; a broken frame is reported once and the
 * decoder resynchronises on the next STX.
 */
export class Rdm6300Decoder {
  readonly #body = new Uint8Array(FRAME_BODY_LENGTH);
  #length = 0;
  #inFrame = false;

  constructor(private readonly onFrame: (frame: Rdm6300Frame) => void) {}

  push(chunk: Uint8Array): void {
    for (const byte of chunk) {
      if (byte === STX) {
        // Hex text never contains 0x02, so a second STX means the previous frame was cut short.
        if (this.#inFrame) this.onFrame({ ok: false, error: 'frame cut short by the next STX' });
        this.#inFrame = true;
        this.#length = 0;
      } else if (!this.#inFrame) {
        // Noise between frames (power-up garbage, a floating RX line) is not a frame: skip it.
      } else if (byte === ETX) {
        this.#inFrame = false;
        this.onFrame(decodeBody(this.#body.subarray(0, this.#length)));
      } else if (this.#length === FRAME_BODY_LENGTH) {
        this.#inFrame = false;
        this.onFrame({ ok: false, error: `no ETX after ${FRAME_BODY_LENGTH} characters` });
      } else {
        this.#body[this.#length++] = byte;
      }
    }
  }

  reset(): void {
    this.#inFrame = false;
    this.#length = 0;
  }
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30; // 0-9
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x41 + 10; // A-F
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10; // a-f
  return -1;
}

function decodeBody(body: Uint8Array): Rdm6300Frame {
  if (body.length !== FRAME_BODY_LENGTH) {
    return {
      ok: false,
      error: `${body.length} characters between STX and ETX, expected ${FRAME_BODY_LENGTH}`,
    };
  }
  const bytes: number[] = [];
  for (let i = 0; i < FRAME_BODY_LENGTH; i += 2) {
    const high = hexValue(body[i]!);
    const low = hexValue(body[i + 1]!);
    if (high < 0 || low < 0) return { ok: false, error: 'non-hex character in frame' };
    bytes.push((high << 4) | low);
  }
  const checksum = bytes.pop()!;
  const computed = bytes.reduce((xor, byte) => xor ^ byte, 0);
  if (computed !== checksum) {
    return { ok: false, error: `checksum ${hexByte(checksum)} does not match ${hexByte(computed)}` };
  }
  return { ok: true, tag: bytes.map(hexByte).join('') };
}

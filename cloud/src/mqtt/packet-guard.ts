/**
 * Bounds the size of every MQTT packet a connection sends, before the broker buffers it. aedes (with
 * mqtt-packet) keeps reading a packet until it is complete, whatever its fixed header claims: a
 * CONNECT announcing 268,435,455 bytes (`10 FF FF FF 7F`) grows the process for as long as the
 * sender sends. The guard reads only the fixed headers ([MQTT-2.2], remaining length per 2.2.3) as
 * the bytes go by and says when a packet claims more than it may.
 */

/** A CONNECT is small: client id, user name, password and a will of a few hundred bytes. */
export const MAX_CONNECT_BYTES = 64 * 1024;

export interface PacketLimits {
  /** Remaining length allowed for the first packet (the CONNECT). */
  first: number;
  /** Remaining length allowed for every later packet. */
  later: number;
}

type State =
  | { at: 'type' }
  | { at: 'length'; value: number; multiplier: number; bytes: number }
  | { at: 'body'; left: number };

export class PacketSizeGuard {
  #state: State = { at: 'type' };
  #packets = 0;

  constructor(private readonly limits: PacketLimits) {}

  /** Reads `chunk`; returns why the connection must be closed, or null while it stays within bounds. */
  feed(chunk: Uint8Array): string | null {
    let i = 0;
    while (i < chunk.length) {
      const state = this.#state;
      if (state.at === 'type') {
        this.#state = { at: 'length', value: 0, multiplier: 1, bytes: 0 };
        i += 1;
      } else if (state.at === 'length') {
        const byte = chunk[i]!;
        i += 1;
        state.value += (byte & 0x7f) * state.multiplier;
        state.multiplier *= 128;
        state.bytes += 1;
        const limit = this.#packets === 0 ? this.limits.first : this.limits.later;
        // Checked as the length grows, so a claim is refused before its last length byte.
        if (state.value > limit) {
          return `${this.#packets === 0 ? 'first packet' : 'packet'} claims more than ${limit} bytes`;
        }
        if (byte & 0x80) {
          // [MQTT-2.2.3] at most four bytes of remaining length.
          if (state.bytes === 4) return 'malformed remaining length';
          continue;
        }
        this.#packets += 1;
        this.#state = state.value === 0 ? { at: 'type' } : { at: 'body', left: state.value };
      } else {
        const take = Math.min(state.left, chunk.length - i);
        i += take;
        state.left -= take;
        if (state.left === 0) this.#state = { at: 'type' };
      }
    }
    return null;
  }
}

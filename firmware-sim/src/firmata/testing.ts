/** Test helpers: a raw Firmata host on the other end of an in-memory stream (no firmata-io). */
import { type Duplex, duplexPair } from 'node:stream';
import type { FirmataDevice } from './device.js';
import { END_SYSEX, START_SYSEX } from './protocol.js';

/** Lets in-memory stream writes land (they are delivered on later ticks, not by fake timers). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface RawHost {
  readonly stream: Duplex;
  /** Whole messages the board sent, each as its bytes. */
  readonly received: number[][];
  send(...bytes: number[]): Promise<void>;
  /** Drops what was received so far. */
  clear(): void;
  close(): void;
}

export function connectRawHost(device: FirmataDevice): RawHost {
  const [board, host] = duplexPair();
  const received: number[][] = [];
  let partial: number[] = [];
  host.on('data', (chunk: Buffer) => {
    for (const byte of chunk) {
      if (byte >= 0x80 && partial[0] !== START_SYSEX) partial = [];
      partial.push(byte);
      const first = partial[0] ?? 0;
      const done = first === START_SYSEX ? byte === END_SYSEX : partial.length === 3;
      if (done) {
        received.push(partial);
        partial = [];
      }
    }
  });
  device.attach(board);
  return {
    stream: host,
    received,
    async send(...bytes) {
      host.write(Buffer.from(bytes));
      await settle();
      await settle();
    },
    clear() {
      received.length = 0;
    },
    close() {
      host.destroy();
      board.destroy();
    },
  };
}

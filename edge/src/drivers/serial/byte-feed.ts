/**
 * An in-memory ByteSource: the readers' parsers, duplicate windows and counters run unchanged
 * without a port, in tests and wherever an emulator hands bytes over directly.
 */
import type { Unsubscribe } from '../ports.js';
import type { ByteSource } from './types.js';

export class ByteFeed implements ByteSource {
  #connected: boolean;
  #disconnects = 0;
  #closed = false;
  #consumer: ((chunk: Uint8Array) => void) | undefined;
  readonly #listeners = new Set<(connected: boolean) => void>();

  constructor(connected = true) {
    this.#connected = connected;
  }

  get connected(): boolean {
    return this.#connected;
  }

  get disconnects(): number {
    return this.#disconnects;
  }

  get closed(): boolean {
    return this.#closed;
  }

  onData(consumer: (chunk: Uint8Array) => void): Unsubscribe {
    if (this.#consumer) throw new Error('ByteFeed already has a data consumer');
    this.#consumer = consumer;
    return () => {
      if (this.#consumer === consumer) this.#consumer = undefined;
    };
  }

  onConnectionChange(listener: (connected: boolean) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Delivers bytes as one chunk; ignored while disconnected or closed, as a real link would lose them. */
  push(bytes: Uint8Array | string): void {
    if (!this.#connected || this.#closed) return;
    this.#consumer?.(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
  }

  /** Simulates the device going away (counted as a disconnect) and coming back. */
  setConnected(connected: boolean): void {
    if (this.#closed || connected === this.#connected) return;
    this.#connected = connected;
    if (!connected) this.#disconnects += 1;
    for (const listener of [...this.#listeners]) listener(connected);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#connected = false;
    this.#consumer = undefined;
  }
}

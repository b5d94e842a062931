/** An RDM6300 125 kHz RFID reader as an RfidReader (frame format in rdm6300-frame.ts). */
import type { ReaderStats, RfidReader, TagRead, Unsubscribe } from '../ports.js';
import { DuplicateWindow } from './duplicate-window.js';
import { Rdm6300Decoder, type Rdm6300Frame } from './rdm6300-frame.js';
import { ReaderCore, type ReaderOptions } from './reader-core.js';

export interface Rdm6300ReaderOptions extends ReaderOptions {
  /** A repeat of the same tag within this many ms of its last frame is counted in `duplicates`. */
  duplicateWindowMs?: number;
}

export const RDM6300_DEFAULTS = { duplicateWindowMs: 2000 } as const;

export class Rdm6300Reader implements RfidReader {
  readonly #core: ReaderCore<TagRead>;
  readonly #duplicates: DuplicateWindow;

  constructor(options: Rdm6300ReaderOptions) {
    this.#duplicates = new DuplicateWindow(options.duplicateWindowMs ?? RDM6300_DEFAULTS.duplicateWindowMs);
    const decoder = new Rdm6300Decoder((frame) => this.#frame(frame));
    this.#core = new ReaderCore('rdm6300', options, decoder);
  }

  get stats(): Readonly<ReaderStats> {
    return this.#core.stats;
  }

  get connected(): boolean {
    return this.#core.connected;
  }

  onTag(listener: (read: TagRead) => void): Unsubscribe {
    return this.#core.subscribe(listener);
  }

  start(): Promise<void> {
    return this.#core.start();
  }

  stop(): Promise<void> {
    return this.#core.stop();
  }

  #frame(frame: Rdm6300Frame): void {
    if (!frame.ok) {
      this.#core.reject(() => frame.error);
      return;
    }
    const at = this.#core.clock.now();
    if (this.#duplicates.isRepeat(frame.tag, at)) {
      this.#core.counters.duplicates += 1;
      return;
    }
    this.#core.emit({ tag: frame.tag, at });
  }
}

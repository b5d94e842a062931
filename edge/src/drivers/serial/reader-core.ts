/** The plumbing the plate and tag readers share: listeners, counters, and the byte source's lifecycle. */
import type { ReaderStats, Unsubscribe } from '../ports.js';
import { openSerialLink, type SerialLinkOptions } from './transport.js';
import { type ByteSource, type SerialClock, type SerialLogger, systemClock } from './types.js';

/** A serial link's settings (the reader adds its logger and clock), or a factory for any byte source. */
export type ReaderSource = Omit<SerialLinkOptions, 'logger' | 'clock'> | (() => ByteSource);

export interface ReaderOptions {
  source: ReaderSource;
  logger: SerialLogger;
  /** Stamps reads and measures the duplicate window; also drives the link's retry timers. */
  clock?: SerialClock;
}

export interface Parser {
  push(chunk: Uint8Array): void;
  /** Drops a partial line or frame. */
  reset(): void;
}

export class ReaderCore<R> {
  readonly counters: Omit<ReaderStats, 'disconnects'> = {
    reads: 0,
    rejected: 0,
    lowConfidence: 0,
    duplicates: 0,
  };
  readonly clock: SerialClock;
  readonly logger: SerialLogger;
  readonly #listeners = new Set<(read: R) => void>();
  #source: ByteSource | undefined;
  #unsubscribe: Unsubscribe[] = [];
  /** Disconnects counted by sources from earlier start()/stop() cycles. */
  #pastDisconnects = 0;

  constructor(
    private readonly name: string,
    private readonly options: ReaderOptions,
    private readonly parser: Parser,
  ) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
  }

  get stats(): ReaderStats {
    return { ...this.counters, disconnects: this.#pastDisconnects + (this.#source?.disconnects ?? 0) };
  }

  get connected(): boolean {
    return this.#source?.connected ?? false;
  }

  subscribe(listener: (read: R) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(read: R): void {
    this.counters.reads += 1;
    for (const listener of [...this.#listeners]) {
      // One failing listener must neither starve the others nor abort the rest of the chunk.
      try {
        listener(read);
      } catch (error) {
        this.logger.error(`${this.name}: read listener threw`, error);
      }
    }
  }

  reject(reason: () => string): void {
    this.counters.rejected += 1;
    this.logger.debug(() => `${this.name}: rejected: ${reason()}`);
  }

  /** Resolves once the source is created, not once the device answers: the link keeps retrying. */
  async start(): Promise<void> {
    if (this.#source) return;
    const { source } = this.options;
    const created =
      typeof source === 'function'
        ? source()
        : openSerialLink({ ...source, logger: this.logger, clock: this.clock });
    this.#source = created;
    this.parser.reset();
    this.#unsubscribe = [
      created.onData((chunk) => this.parser.push(chunk)),
      // A new connection starts mid-stream; a half line or frame from the old one must not glue onto it.
      created.onConnectionChange((connected) => {
        if (connected) this.parser.reset();
      }),
    ];
  }

  async stop(): Promise<void> {
    const source = this.#source;
    if (!source) return;
    this.#source = undefined;
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
    this.#pastDisconnects += source.disconnects;
    this.parser.reset();
    await source.close();
  }
}

/**
 * The reconnect loop around a Connector: one connection at a time, exponential back-off between
 * attempts, and every failure turned into a log line and a retry rather than an exception.
 */
import type { Unsubscribe } from '../ports.js';
import type { Connection, Connector } from './connection.js';
import type { SerialLink } from './transport.js';
import type { SerialLogger, SerialTimer } from './types.js';

export interface LinkSettings {
  logger: SerialLogger;
  clock: SerialTimer;
  retryInitialMs: number;
  retryMaxMs: number;
}

export class ReconnectingLink implements SerialLink {
  #connected = false;
  #disconnects = 0;
  #closed = false;
  /** Failed opens since the link was last up (or lost), for the log. */
  #failures = 0;
  /** Back-off waits since the link was last up: the exponent of the next delay. */
  #waits = 0;
  /** Bumped on every attempt and on close, so callbacks from a dead connection are ignored. */
  #generation = 0;
  #current: Connection | undefined;
  #retry: unknown;
  #attempt: Promise<void>;
  #closing: Promise<void> | undefined;
  #consumer: ((chunk: Uint8Array) => void) | undefined;
  readonly #listeners = new Set<(connected: boolean) => void>();
  readonly #label: string;

  constructor(
    readonly path: string,
    private readonly connect: Connector,
    private readonly settings: LinkSettings,
  ) {
    this.#label = `serial ${path}`;
    this.#attempt = this.#open();
  }

  get connected(): boolean {
    return this.#connected;
  }

  get disconnects(): number {
    return this.#disconnects;
  }

  onData(consumer: (chunk: Uint8Array) => void): Unsubscribe {
    if (this.#consumer) throw new Error(`${this.#label}: the link already has a data consumer`);
    this.#consumer = consumer;
    return () => {
      if (this.#consumer === consumer) this.#consumer = undefined;
    };
  }

  onConnectionChange(listener: (connected: boolean) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    this.#generation += 1;
    if (this.#retry !== undefined) this.settings.clock.clearTimeout(this.#retry);
    this.#retry = undefined;
    // An open still in flight sees #closed when it lands and releases its own port.
    await this.#attempt;
    const current = this.#current;
    this.#current = undefined;
    if (current) await this.#release(current);
    this.#setConnected(false);
    this.#consumer = undefined;
    this.#listeners.clear();
    this.settings.logger.info(`${this.#label}: closed`);
  }

  async #open(): Promise<void> {
    const generation = ++this.#generation;
    const live = () => generation === this.#generation && this.#connected;
    let connection: Connection;
    try {
      connection = await this.connect({
        data: (chunk) => {
          if (live()) this.#deliver(chunk);
        },
        lost: (error) => {
          if (live()) this.#lost(error);
        },
      });
    } catch (error) {
      if (this.#closed) return;
      this.#failures += 1;
      const failures = this.#failures;
      const delay = this.#schedule();
      this.settings.logger.warn(
        () => `${this.#label}: cannot open (attempt ${failures}), retrying in ${delay} ms`,
        error,
      );
      return;
    }
    if (this.#closed) {
      await this.#release(connection);
      return;
    }
    this.#current = connection;
    this.#failures = 0;
    this.#waits = 0;
    this.settings.logger.info(`${this.#label}: connected`);
    this.#setConnected(true);
  }

  #lost(error: Error | undefined): void {
    const dead = this.#current;
    this.#current = undefined;
    this.#generation += 1;
    this.#disconnects += 1;
    const delay = this.#schedule();
    this.settings.logger.warn(() => `${this.#label}: link lost, reconnecting in ${delay} ms`, error);
    this.#setConnected(false);
    if (dead) void this.#release(dead);
  }

  /** Schedules the next attempt: the initial delay, doubled for every wait since the link was up. */
  #schedule(): number {
    const { retryInitialMs, retryMaxMs, clock } = this.settings;
    const delay = Math.min(retryMaxMs, retryInitialMs * 2 ** this.#waits);
    this.#waits += 1;
    this.#retry = clock.setTimeout(() => {
      this.#retry = undefined;
      this.#attempt = this.#open();
    }, delay);
    return delay;
  }

  async #release(connection: Connection): Promise<void> {
    try {
      await connection.close();
    } catch (error) {
      this.settings.logger.debug(() => `${this.#label}: error while closing`, error);
    }
  }

  #deliver(chunk: Uint8Array): void {
    try {
      this.#consumer?.(chunk);
    } catch (error) {
      this.settings.logger.error(`${this.#label}: data consumer threw`, error);
    }
  }

  #setConnected(connected: boolean): void {
    if (this.#connected === connected) return;
    this.#connected = connected;
    for (const listener of [...this.#listeners]) {
      try {
        listener(connected);
      } catch (error) {
        this.settings.logger.error(`${this.#label}: connection listener threw`, error);
      }
    }
  }
}

/**
 * The features that must run once per database, started while this instance holds the lease and
 * stopped when it loses it (db/lease.ts). Starts and stops run in turn, in the order the lease
 * changed; a feature that fails to start or stop is logged and the others go on.
 */
import type { Logger } from '@parkinglot/platform/log';

export interface Feature {
  name: string;
  start(): void | Promise<void>;
  stop(): Promise<void>;
}

export class LeaderWork {
  private turn: Promise<void> = Promise.resolve();
  private running = false;

  constructor(
    private readonly features: Feature[],
    private readonly log: Logger,
  ) {}

  /** True while the features run on this instance. */
  get leading(): boolean {
    return this.running;
  }

  /** The lease's onChange. */
  set(held: boolean): void {
    this.turn = this.turn.then(() => (held ? this.startAll() : this.stopAll()));
  }

  /** Resolves once every start and stop asked for so far has run. */
  idle(): Promise<void> {
    return this.turn;
  }

  private async startAll(): Promise<void> {
    if (this.running) return;
    this.running = true;
    for (const feature of this.features) {
      try {
        await feature.start();
      } catch (error) {
        this.log.error(`${feature.name} failed to start`, error);
      }
    }
  }

  private async stopAll(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const feature of [...this.features].reverse()) {
      await feature.stop().catch((error) => this.log.warn(`${feature.name} failed to stop`, error));
    }
  }
}

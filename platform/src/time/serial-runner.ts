/**
 * Runs one async job at a time. A kick while it runs schedules exactly one more run, so a burst of
 * notifications costs one extra pass, and nothing committed during a pass is missed.
 */
import type { Logger } from '../log/logger.js';

export class SerialRunner {
  private current: Promise<number> | null = null;
  private again = false;

  constructor(
    private readonly job: () => Promise<number>,
    private readonly log: Logger,
  ) {}

  /** Fire and forget: failures are logged, and the next kick tries again. */
  kick(): void {
    this.run().catch((error) => this.log.error('background run failed', error));
  }

  run(): Promise<number> {
    if (this.current) {
      this.again = true;
      return this.current;
    }
    this.current = (async () => {
      let total = 0;
      try {
        do {
          this.again = false;
          total += await this.job();
        } while (this.again);
        return total;
      } finally {
        this.current = null;
      }
    })();
    return this.current;
  }

  async idle(): Promise<void> {
    while (this.current) await this.current.catch(() => undefined);
  }
}

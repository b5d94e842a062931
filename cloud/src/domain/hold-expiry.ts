/** Sweeps expired reservation holds (domain rule 7) on an interval of the injected clock. */
import { SerialRunner } from '@parkinglot/platform/time';
import type { DomainContext } from './context.js';
import { expireDue } from './reservations.js';

export class HoldExpiry {
  private handle: unknown = null;
  private readonly runner: SerialRunner;

  constructor(
    private readonly ctx: DomainContext,
    private readonly intervalMs: number,
  ) {
    this.runner = new SerialRunner(async () => {
      const expired = await expireDue(this.ctx);
      if (expired > 0) this.ctx.log.info(`expired ${expired} reservation hold(s)`);
      return expired;
    }, ctx.log);
  }

  start(): void {
    if (this.handle) return;
    this.handle = this.ctx.clock.setInterval(() => this.runner.kick(), this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.handle) this.ctx.clock.clearInterval(this.handle);
    this.handle = null;
    await this.runner.idle();
  }

  /** Resolves when no pass is running (one started by the interval included). */
  idle(): Promise<void> {
    return this.runner.idle();
  }

  /**
   * One pass at the current time; a call during a pass schedules one more after it, so the answer
   * always reflects the clock as it is now. Resolves with the number expired.
   */
  sweep(): Promise<number> {
    return this.runner.run();
  }
}

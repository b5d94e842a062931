/**
 * A circuit breaker for entry authorization. After `failureThreshold` consecutive timeouts the
 * cloud is taken to be unreachable and requests are denied at once (no car waits out a timeout it
 * is bound to hit); after `cooldownMs` one request is let through as a probe, and its answer closes
 * the circuit again or reopens it.
 */
import type { Clock } from '@parkinglot/platform/time';

export interface BreakerOptions {
  failureThreshold: number;
  cooldownMs: number;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private current: BreakerState = 'closed';

  constructor(
    private readonly options: BreakerOptions,
    private readonly clock: Clock,
  ) {}

  get state(): BreakerState {
    if (this.current === 'open' && this.clock.now() - this.openedAt >= this.options.cooldownMs)
      return 'half_open';
    return this.current;
  }

  /** May a request go to the cloud now? In half-open state only one probe at a time. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  /** The cloud answered (allow or deny alike: it is reachable). */
  succeeded(): void {
    this.failures = 0;
    this.probing = false;
    this.current = 'closed';
  }

  /** The cloud did not answer in time. */
  failed(): void {
    this.probing = false;
    this.failures += 1;
    if (this.current !== 'closed' || this.failures >= this.options.failureThreshold) {
      this.current = 'open';
      this.openedAt = this.clock.now();
    }
  }
}

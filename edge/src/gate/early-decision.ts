/**
 * An entry decision asked for at the read, while the arrival loop is still debouncing (a camera
 * usually reads a car as it rolls onto the loop): once the loop confirms the car, the answer is
 * there, and the barrier is commanded without a round trip to wait for.
 *
 * An allow holds the reservation for this car (its admission). A car that was read but never
 * confirmed on the loop must not keep it, so the early decision lapses after `windowMs`, and the
 * controller then tells the cloud to release what it may hold (EntryAborted). Only one is kept: a
 * read of another credential lapses the one before.
 */
import type { Clock } from '@parkinglot/platform/time';
import type { Credential } from '@parkinglot/shared';
import type { EntryAuthorizer, EntryDecision } from './types.js';

export interface Early {
  readonly id: number;
  readonly credential: Credential;
  readonly decision: Promise<EntryDecision>;
}

const same = (a: Credential, b: Credential) => a.kind === b.kind && a.value === b.value;

export class EarlyDecision {
  private current: (Early & { timer: unknown }) | null = null;
  private ids = 0;

  constructor(
    private readonly deps: {
      authorizer: EntryAuthorizer;
      clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
      /** How long an early decision waits for its car: the read-ahead's freshness. */
      windowMs: number;
      /** The decision lapsed unused: the controller releases it (through its own input queue). */
      onLapsed: (early: Early) => void;
    },
  ) {}

  /**
   * Asks for `credential` now, unless it is already being asked for; returns the decision that
   * lapsed to make room for it, if any, for the caller to release.
   */
  ask(credential: Credential): Early | null {
    if (this.current && same(this.current.credential, credential)) {
      // Read again (a car waiting in view): its window starts again, as the read-ahead's does.
      const current = this.current;
      this.deps.clock.clearTimeout(current.timer);
      current.timer = this.lapseAfterWindow(current);
      return null;
    }
    const replaced = this.drop();
    const id = ++this.ids;
    const early: Early = {
      id,
      credential,
      decision: this.deps.authorizer.authorize(credential, { early: true }),
    };
    this.current = { ...early, timer: this.lapseAfterWindow(early) };
    return replaced;
  }

  private lapseAfterWindow(early: Early): unknown {
    return this.deps.clock.setTimeout(() => {
      if (this.current?.id !== early.id) return;
      this.current = null;
      this.deps.onLapsed(early);
    }, this.deps.windowMs);
  }

  /** The early decision for this credential, taken for use (it will not lapse); null if there is none. */
  take(credential: Credential): Early | null {
    if (!this.current || !same(this.current.credential, credential)) return null;
    return this.drop();
  }

  /** Gives up the early decision, whatever it is for; the caller releases it. */
  drop(): Early | null {
    const current = this.current;
    if (!current) return null;
    this.deps.clock.clearTimeout(current.timer);
    this.current = null;
    return { id: current.id, credential: current.credential, decision: current.decision };
  }
}

/**
 * The lock in front of the one sqlite connection, with lanes. Unlock hands the lock straight to the
 * next waiter instead of freeing it, so a caller that arrives in between cannot jump the queue.
 *
 * The next waiter is the first of the most urgent lane that has one (FIFO within a lane), so an entry
 * decision waits for at most the one transaction in hand, not for the reservations, event batches and
 * projector passes queued before it. Urgent work always goes first (it is bounded by the cars at the
 * gates); below it, a waiter that has waited `maxWaitMs` goes before newer ones of the other lane,
 * oldest first: background work is delayed under load, never starved.
 */
export const LANES = ['urgent', 'normal', 'background'] as const;
export type Lane = (typeof LANES)[number];

interface Waiter {
  since: number;
  grant: () => void;
}

export interface MutexOptions {
  /** After this long in line, a waiter is served before any lane's newer waiters. Default 250 ms. */
  maxWaitMs?: number;
  /** Monotonic milliseconds; tests pass their own. */
  now?: () => number;
}

export class Mutex {
  #locked = false;
  readonly #lanes = new Map<Lane, Waiter[]>(LANES.map((lane) => [lane, []]));
  readonly #maxWaitMs: number;
  readonly #now: () => number;

  constructor(options: MutexOptions = {}) {
    this.#maxWaitMs = options.maxWaitMs ?? 250;
    this.#now = options.now ?? (() => performance.now());
  }

  get isLocked(): boolean {
    return this.#locked;
  }

  /** Waiters in line, per lane. */
  get waiting(): Record<Lane, number> {
    return Object.fromEntries(LANES.map((lane) => [lane, this.#lanes.get(lane)!.length])) as Record<
      Lane,
      number
    >;
  }

  async lock(lane: Lane = 'normal'): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return;
    }
    await new Promise<void>((grant) => this.#lanes.get(lane)!.push({ since: this.#now(), grant }));
  }

  unlock(): void {
    // A second unlock would silently let two holders in; fail loudly so the bug is found.
    if (!this.#locked) throw new Error('Mutex.unlock() called while not locked');
    const next = this.#next();
    if (next) next.grant();
    else this.#locked = false;
  }

  #next(): Waiter | undefined {
    const urgent = this.#lanes.get('urgent')!;
    if (urgent.length > 0) return urgent.shift();
    let overdue: Waiter[] | undefined;
    const cutoff = this.#now() - this.#maxWaitMs;
    for (const lane of LANES) {
      const line = this.#lanes.get(lane)!;
      const head = line[0];
      if (head && head.since <= cutoff && (!overdue || head.since < overdue[0]!.since)) overdue = line;
    }
    if (overdue) return overdue.shift();
    for (const lane of LANES) {
      const line = this.#lanes.get(lane)!;
      if (line.length > 0) return line.shift();
    }
    return undefined;
  }
}

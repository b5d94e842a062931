/**
 * Suppresses repeats of the same key. The window slides: every sighting, suppressed or not,
 * restarts it. A tag held against the reader, or a car idling in front of the camera, is re-sent
 * every few hundred milliseconds and must count as one read for as long as it stays, not one read
 * per window; taking it away for longer than the window makes the next sighting a new read.
 */
export class DuplicateWindow {
  /** Insertion order is last-seen order (keys are re-inserted on every sighting), oldest first. */
  readonly #lastSeen = new Map<string, number>();

  constructor(readonly windowMs: number) {
    if (!Number.isFinite(windowMs) || windowMs < 0) {
      throw new RangeError(`duplicateWindowMs must be a non-negative number, got ${windowMs}`);
    }
  }

  /** Records a sighting at `now`; true if the same key was seen less than `windowMs` before. */
  isRepeat(key: string, now: number): boolean {
    const previous = this.#lastSeen.get(key);
    this.#lastSeen.delete(key);
    this.#prune(now);
    this.#lastSeen.set(key, now);
    if (previous === undefined) return false;
    const elapsed = now - previous;
    // A wall clock stepped backwards (NTP) must not silence a key until it catches up again.
    return elapsed >= 0 && elapsed < this.windowMs;
  }

  /** Keeps the map to the keys seen within one window, so a busy gate cannot grow it. */
  #prune(now: number): void {
    for (const [key, seen] of this.#lastSeen) {
      const elapsed = now - seen;
      if (elapsed >= 0 && elapsed < this.windowMs) return;
      this.#lastSeen.delete(key);
    }
  }
}

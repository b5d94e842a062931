/**
 * Time as a dependency of the emulated hardware, so tests can drive it with vi.useFakeTimers().
 * The system clock reads the globals at call time: fake timers installed after construction apply.
 */
export interface SimClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export { systemClock } from '@parkinglot/platform/time';

/** Removes a listener. */
export type Unsubscribe = () => void;

/** A tiny typed listener set (the simulation side's events). */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();
  add(listener: (value: T) => void): Unsubscribe {
    this.set.add(listener);
    return () => {
      this.set.delete(listener);
    };
  }
  emit(value: T): void {
    for (const listener of [...this.set]) listener(value);
  }
  clear(): void {
    this.set.clear();
  }
}

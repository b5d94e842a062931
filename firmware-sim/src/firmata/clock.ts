import type { Clock } from '@parkinglot/platform/time';

/** Time as a dependency of the emulated hardware (the platform's clock: tests fake it). */
export type SimClock = Pick<Clock, 'now' | 'setTimeout' | 'clearTimeout'>;

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

/**
 * A digital input as a contact: polarity applied, repeats dropped, optionally debounced. Shared by
 * the loop detector and the barrier's limit switches.
 */
import type { Unsubscribe } from '../ports.js';
import type { DigitalPins, Timers } from './board.js';

export interface ContactOptions {
  pin: number;
  /** Default true: the pin reads HIGH when the contact is active. */
  activeHigh?: boolean;
  /** Use INPUT_PULLUP (a dry contact switching the pin to ground: then set activeHigh false). Default false. */
  pullUp?: boolean;
  /** A change counts only once the level has held this long. Default 0 (every reported change). */
  debounceMs?: number;
}

/**
 * Configures the pin as an input and calls `listener(active, true)` with the first reported level at
 * once, then `listener(active, false)` on every (debounced) change.
 */
export function watchContact(
  pins: DigitalPins,
  options: ContactOptions,
  timers: Timers,
  listener: (active: boolean, first: boolean) => void,
): Unsubscribe {
  const activeHigh = options.activeHigh ?? true;
  const debounceMs = options.debounceMs ?? 0;
  let stable: boolean | undefined;
  let timer: unknown = null;
  const cancel = () => {
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
  };

  pins.setInput(options.pin, options.pullUp ?? false);
  const stop = pins.watch(options.pin, (high) => {
    const active = high === activeHigh;
    cancel();
    if (active === stable) return;
    // The first report is the current state, not an edge: no reason to wait for it.
    if (stable === undefined || debounceMs <= 0) {
      const first = stable === undefined;
      stable = active;
      listener(active, first);
      return;
    }
    timer = timers.setTimeout(() => {
      timer = null;
      stable = active;
      listener(active, false);
    }, debounceMs);
  });
  return () => {
    cancel();
    stop();
  };
}

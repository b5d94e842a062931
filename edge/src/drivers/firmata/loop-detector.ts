/** An inductive loop detector's presence output on a Firmata digital input. */

import { systemClock } from '@parkinglot/platform/time';
import type { LoopDetector, Unsubscribe } from '../ports.js';
import type { DigitalPins, Timers } from './board.js';
import { type ContactOptions, watchContact } from './input.js';

export interface FirmataLoopDetectorOptions extends ContactOptions {
  timers?: Timers;
}

export class FirmataLoopDetector implements LoopDetector {
  private isPresent = false;
  private reported = false;
  private readonly listeners = new Set<(present: boolean) => void>();
  private readonly stop: Unsubscribe;

  constructor(pins: DigitalPins, options: FirmataLoopDetectorOptions) {
    this.stop = watchContact(pins, options, options.timers ?? systemClock, (active) => {
      this.reported = true;
      if (active === this.isPresent) return;
      this.isPresent = active;
      for (const listener of [...this.listeners]) listener(active);
    });
  }

  /** A vehicle is over the loop (false until the board's first report). */
  get present(): boolean {
    return this.isPresent;
  }

  /** Whether the board has reported the pin yet. */
  get known(): boolean {
    return this.reported;
  }

  onChange(listener: (present: boolean) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  dispose(): void {
    this.stop();
    this.listeners.clear();
  }
}

/**
 * Sends that repeat on a schedule, as a reader does while a tag stays in its field or a camera while
 * a plate stays in view: the first at once, the rest `intervalMs` apart on the given clock.
 */
import type { SimClock } from '../firmata/clock.js';

interface Pending {
  timer: unknown;
  finish: () => void;
}

export class Repeats {
  private readonly pending = new Set<Pending>();

  constructor(private readonly clock: SimClock) {}

  /**
   * Calls `send(0)` now and `send(1)` … `send(count - 1)` every `intervalMs` (all at once when it is
   * 0). Resolves after the last send, or when `cancelAll` stops the rest; never rejects, so callers
   * may ignore it. A throwing `send` stops that run's remaining sends.
   */
  run(count: number, intervalMs: number, send: (index: number) => void): Promise<void> {
    if (intervalMs <= 0) {
      for (let i = 0; i < count; i++) send(i);
      return Promise.resolve();
    }
    if (count > 0) send(0);
    if (count <= 1) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let index = 1;
      const entry: Pending = { timer: null, finish: resolve };
      const finish = () => {
        this.pending.delete(entry);
        resolve();
      };
      entry.finish = finish;
      const next = () => {
        try {
          send(index++);
        } catch {
          finish();
          return;
        }
        if (index >= count) finish();
        else entry.timer = this.clock.setTimeout(next, intervalMs);
      };
      entry.timer = this.clock.setTimeout(next, intervalMs);
      this.pending.add(entry);
    });
  }

  /** Whether repeats are still scheduled. */
  get active(): boolean {
    return this.pending.size > 0;
  }

  /** Stops every scheduled repeat (the tag left the field, the device was switched off). */
  cancelAll(): void {
    for (const entry of [...this.pending]) {
      this.clock.clearTimeout(entry.timer);
      entry.finish();
    }
  }
}

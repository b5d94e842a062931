/**
 * In-process notifications between features (projector, publisher, HTTP live view). A listener that
 * throws is logged and never reaches the emitter: one failing feature must not take the others down.
 */
import type { Logger } from '@parkinglot/platform/log';
import type { DomainEvent } from '@parkinglot/shared';

export interface BusEvents {
  /**
   * New rows were committed to the event log: emitted once per commit, in commit order, before the
   * operation that committed them returns.
   */
  eventsAppended: { lastSeq: number; events: DomainEvent[] };
}

type Listener<T> = (payload: T) => void | Promise<void>;

export class EventBus {
  private readonly listeners = new Map<keyof BusEvents, Set<Listener<never>>>();

  constructor(private readonly log: Logger) {}

  on<K extends keyof BusEvents>(event: K, listener: Listener<BusEvents[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  emit<K extends keyof BusEvents>(event: K, payload: BusEvents[K]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        const result = (listener as Listener<BusEvents[K]>)(payload);
        if (result instanceof Promise) {
          result.catch((error) => this.log.error(`listener of ${event} failed`, error));
        }
      } catch (error) {
        this.log.error(`listener of ${event} failed`, error);
      }
    }
  }
}

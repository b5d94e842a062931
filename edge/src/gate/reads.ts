/**
 * Credential reads as the gate state machine takes them: normalised from the readers, and the
 * read-ahead, a read taken before its car reached the arrival loop, kept for when it gets there.
 */
import type { Clock } from '@parkinglot/platform/time';
import { type Credential, normalizePlate, normalizeRfidTag } from '@parkinglot/shared';
import type { Unsubscribe } from '../drivers/ports.js';
import type { GateControllerOptions } from './options.js';

/**
 * Subscribes to the gate's plate and tag readers; `onRead` hears each usable read, normalised.
 * Unreadable reads and plates below the configured confidence are dropped.
 */
export function subscribeReads(
  o: Pick<GateControllerOptions, 'plates' | 'tags' | 'minPlateConfidence'>,
  onRead: (credential: Credential) => void,
): Unsubscribe[] {
  const subscriptions: Unsubscribe[] = [];
  if (o.plates) {
    subscriptions.push(
      o.plates.onPlate((read) => {
        const plate = normalizePlate(read.plate);
        if (plate.ok && read.confidence >= (o.minPlateConfidence ?? 0))
          onRead({ kind: 'plate', value: plate.value });
      }),
    );
  }
  if (o.tags) {
    subscriptions.push(
      o.tags.onTag((read) => {
        const tag = normalizeRfidTag(read.tag);
        if (tag.ok) onRead({ kind: 'rfid', value: tag.value });
      }),
    );
  }
  return subscriptions;
}

/** One read held for the next car at the loop; it counts only while it is fresh. */
export class ReadAhead {
  private held: { credential: Credential; at: number } | null = null;

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    private readonly freshForMs: number,
  ) {}

  keep(credential: Credential): void {
    this.held = { credential, at: this.clock.now() };
  }

  /** The held read if it is still fresh; either way nothing is held afterwards. */
  take(): Credential | null {
    const held = this.held;
    this.held = null;
    return held && this.clock.now() - held.at <= this.freshForMs ? held.credential : null;
  }
}

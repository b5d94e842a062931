/** The gate events the state machine records, built from what it knows of the car. */
import type { Admission } from './inputs.js';
import type { GateEventInput } from './types.js';

/** A car went through: Started at an entry, Ended at an exit, or the manual or unidentified variants. */
export function passageEvent(direction: 'entry' | 'exit', a: Omit<Admission, 'under'>): GateEventInput {
  if (a.manual) return { type: 'ManualPassage', credential: a.credential, detail: { ...a.manual } };
  if (direction === 'entry') {
    return {
      type: 'Started',
      credential: a.credential,
      reservationId: a.reservationId,
      requestId: a.requestId,
      ...(a.offline ? { offline: true } : {}),
    };
  }
  if (a.credential) return { type: 'Ended', credential: a.credential };
  return { type: 'ExitUnidentified', reason: 'no usable read before the timeout' };
}

/** Tells the cloud to release the admission it may hold for this car. */
export function entryAborted(
  { credential, reservationId, requestId }: Pick<Admission, 'credential' | 'reservationId' | 'requestId'>,
  reason: string,
): GateEventInput {
  return { type: 'EntryAborted', credential, reservationId, requestId, reason };
}

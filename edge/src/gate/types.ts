/** What the gate logic exchanges with the cloud link and the outbox. */
import type { Credential } from '@parkinglot/shared';

/** The cloud's answer as the gate acts on it: only a literal "allow" becomes `allow: true`. */
export type EntryDecision =
  | {
      allow: true;
      requestId: string;
      /** None for an "always admit" credential let in offline. */
      reservationId?: string;
      spaceLabel?: string;
      /** Let in by the offline allowlist: the cloud could not be asked. */
      offline?: true;
    }
  | {
      allow: false;
      requestId: string;
      reason: string;
      /** The gate gave up before a valid answer (timeout, unreadable answer): the cloud may have allowed. */
      cloudMayHaveAllowed?: boolean;
    };

export interface EntryAuthorizer {
  /**
   * Never rejects: a timeout, an open circuit or a bad answer is a deny. `early`: asked at the read,
   * before the car is confirmed (early-decision.ts): the cloud's answer only, no offline allowlist.
   */
  authorize(credential: Credential, options?: { early?: boolean }): Promise<EntryDecision>;
}

/** An event for the outbox; the recorder assigns eventId and time. */
export interface GateEventInput {
  type: string;
  credential?: Credential;
  reservationId?: string;
  requestId?: string;
  reason?: string;
  /** Started: let in by the offline allowlist. */
  offline?: boolean;
  detail?: Record<string, unknown>;
}

export interface EventRecorder {
  /** Resolves once the event is committed to disk (synchronous commit). */
  record(event: GateEventInput): Promise<void>;
}

export type GatePhase =
  | 'idle'
  | 'awaiting_credential'
  | 'authorizing'
  | 'awaiting_passage'
  | 'closing'
  | 'blocked'
  | 'held_open';

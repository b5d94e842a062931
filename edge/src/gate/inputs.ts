/** What the gate state machine takes in, and what it says of itself. */
import type { Credential } from '@parkinglot/shared';
import type { Barrier } from '../drivers/ports.js';
import type { Early } from './early-decision.js';
import type { GatePhase } from './types.js';

export type Input =
  | { kind: 'arrival'; present: boolean }
  | { kind: 'passage'; present: boolean }
  | { kind: 'credential'; credential: Credential }
  | { kind: 'timer'; epoch: number; timer: 'credential' | 'passage' | 'close' }
  | { kind: 'barrier' }
  /** An entry decision asked for at a read lapsed: its car never reached the arrival loop. */
  | { kind: 'early_lapsed'; early: Early }
  | { kind: 'startup' }
  | {
      kind: 'command';
      action: 'open' | 'hold_open' | 'release';
      by: string;
      commandId: string;
      reason: string;
      /** Called with null when carried out, or with why it was not. */
      done: (refusal: string | null) => void;
    };

/** Who is going through: set when the barrier opens for someone. */
export interface Admission {
  credential?: Credential;
  reservationId?: string;
  requestId?: string;
  manual?: { commandId: string; by: string };
  /** Let in by the offline allowlist (its Started says so). */
  offline?: boolean;
  /** The passage loop saw the vehicle under the arm. */
  under: boolean;
}

export interface GateSnapshot {
  phase: GatePhase;
  barrier: Barrier['position'];
  loops: Record<string, boolean>;
  lastRead: (Credential & { at: string }) | null;
  alarms: string[];
}

/** The event each operator command is recorded as. */
export const COMMAND_EVENT = {
  open: 'ManualOpen',
  hold_open: 'ManualHoldOpen',
  release: 'ManualRelease',
} as const;

/** What a gate state machine is built from. */

import type { Logger } from '@parkinglot/platform/log';
import type { Clock } from '@parkinglot/platform/time';
import type { Barrier, LoopDetector, PlateReader, RfidReader } from '../drivers/ports.js';
import type { GateTiming } from './timing.js';
import type { EntryAuthorizer, EventRecorder } from './types.js';

export interface GateControllerOptions {
  direction: 'entry' | 'exit';
  clock: Clock;
  log: Logger;
  barrier: Barrier;
  /** The loop in front of the barrier: a vehicle is waiting. Optional: without it a read starts the cycle. */
  arrival?: LoopDetector;
  /** The loop under/just past the arm: safety and passage detection. */
  passage?: LoopDetector;
  plates?: PlateReader;
  tags?: RfidReader;
  /** Entry gates ask; exit gates never do. */
  authorizer?: EntryAuthorizer;
  recorder: EventRecorder;
  timing?: Partial<GateTiming>;
  /** Exit gates: open for a vehicle that could not be identified (ExitUnidentified), rather than trap it. */
  exitOpensWithoutCredential?: boolean;
  /** Plate reads below this confidence are ignored. */
  minPlateConfidence?: number;
  /**
   * Entry gates with an arrival loop: ask the cloud at the read, while the loop confirms the car
   * (early-decision.ts). Default true.
   */
  askAtRead?: boolean;
}

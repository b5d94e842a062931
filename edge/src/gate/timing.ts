/** Every wait of the gate state machine, with its default. */
export interface GateTiming {
  /** A vehicle at the gate with no usable read for this long: NoCredential, the gate blocks. */
  credentialTimeoutMs: number;
  /** An opened gate nobody drove through for this long: EntryAborted (entry), then close. */
  passageTimeoutMs: number;
  /** With no passage loop: how long after opening a vehicle is taken to have passed. */
  assumedPassageMs: number;
  /** The arm did not report closed in this long: alarm `barrier_not_closed`. */
  closeTimeoutMs: number;
  /** Denials before the gate stops asking for this vehicle and blocks. */
  maxAttempts: number;
  /**
   * A read that comes before the arrival loop reports the car (cameras often read a car on its way
   * in) is kept this long and used when the car arrives.
   */
  readAheadMs: number;
  /** After start, how long to let the loops report before bringing the arm down if it is not. */
  startupSettleMs: number;
}

export const DEFAULT_TIMING: GateTiming = {
  credentialTimeoutMs: 15_000,
  passageTimeoutMs: 30_000,
  assumedPassageMs: 8_000,
  closeTimeoutMs: 10_000,
  maxAttempts: 3,
  readAheadMs: 5_000,
  startupSettleMs: 500,
};

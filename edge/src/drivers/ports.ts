/**
 * The gate's hardware, as the agent sees it: interfaces of our own that name only what the gate
 * logic needs. serialport, johnny-five and the wire formats live behind them (drivers/serial,
 * drivers/firmata), so the state machine runs unchanged on real devices, on firmware-sim and on
 * in-memory fakes.
 */

/** Removes a listener. */
export type Unsubscribe = () => void;

export interface PlateRead {
  /** As the camera sent it (normalisation happens in the gate logic). */
  plate: string;
  /** 0.0–1.0. */
  confidence: number;
  /** Epoch ms on the agent's clock when the line arrived. */
  at: number;
}

export interface TagRead {
  /** 10 upper-case hex characters (RDM6300: version byte + 32-bit id). */
  tag: string;
  at: number;
}

/** Counters every reader keeps, reported in the gate's retained state. */
export interface ReaderStats {
  reads: number;
  /** Lines or frames that did not parse (bad checksum, bad shape). */
  rejected: number;
  /** Reads below the confidence threshold. */
  lowConfidence: number;
  /** Repeats of the same plate or tag inside the duplicate window. */
  duplicates: number;
  /** Times the link to the device was lost. */
  disconnects: number;
}

export interface PlateReader {
  onPlate(listener: (read: PlateRead) => void): Unsubscribe;
  readonly stats: Readonly<ReaderStats>;
  readonly connected: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface RfidReader {
  onTag(listener: (read: TagRead) => void): Unsubscribe;
  readonly stats: Readonly<ReaderStats>;
  readonly connected: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export type BarrierPosition = 'open' | 'opening' | 'closed' | 'closing' | 'unknown';

export interface Barrier {
  readonly position: BarrierPosition;
  onPosition(listener: (position: BarrierPosition) => void): Unsubscribe;
  /** Drives the relay to raise the arm (a pulse or a held output, as configured). */
  open(): Promise<void>;
  /** Releases the relay so the arm comes down. */
  close(): Promise<void>;
  /** True when a closed-limit switch is wired: "closed" is then confirmed by it, not assumed from a timer. */
  readonly hasLimitSwitch: boolean;
}

export interface LoopDetector {
  /** A vehicle is over the loop. */
  readonly present: boolean;
  onChange(listener: (present: boolean) => void): Unsubscribe;
}

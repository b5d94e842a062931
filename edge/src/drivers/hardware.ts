/** The devices of one gate, as the agent gets them (from the configuration, or fakes in tests). */
import type { Barrier, LoopDetector, PlateReader, RfidReader } from './ports.js';

export interface Hardware {
  barrier: Barrier;
  arrival?: LoopDetector;
  passage?: LoopDetector;
  plates?: PlateReader;
  tags?: RfidReader;
  close(): Promise<void>;
}

/** Gate hardware on a Firmata board (StandardFirmata) through johnny-five: barrier relay, limit switches, loop detectors. */
export { type BarrierPins, FirmataBarrier, type FirmataBarrierOptions } from './barrier.js';
export {
  type DigitalPins,
  type FirmataBoard,
  type OpenFirmataBoardOptions,
  openFirmataBoard,
  type Timers,
} from './board.js';
export type { ContactOptions } from './input.js';
export { FirmataLoopDetector, type FirmataLoopDetectorOptions } from './loop-detector.js';
export { DuplexTransport } from './transport.js';

/** The emulated Firmata board and the gate hardware wired to it (barrier, loop detectors). */
export { type ArmPosition, BarrierModel, type BarrierModelOptions } from './barrier-model.js';
export { Listeners, type SimClock, systemClock, type Unsubscribe } from './clock.js';
export { FirmataDevice, type FirmataDeviceOptions } from './device.js';
export { LoopDetectors, type LoopWiring } from './loop-detectors.js';
export { type BoardLayout, UNO_LAYOUT } from './pins.js';
export { PinMode } from './protocol.js';
export { type FirmataTcpServer, serveOverTcp, type TcpServeOptions } from './tcp.js';

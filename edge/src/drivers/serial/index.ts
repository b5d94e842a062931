/** Serial drivers: the RDM6300 RFID reader and the ANPR camera, over a local port or ser2net. */
export {
  ANPR_DEFAULTS,
  AnprCameraReader,
  type AnprCameraReaderOptions,
  type AnprLine,
  parseAnprLine,
} from './anpr.js';
export { ByteFeed } from './byte-feed.js';
export { RDM6300_DEFAULTS, Rdm6300Reader, type Rdm6300ReaderOptions } from './rdm6300.js';
export { Rdm6300Decoder, type Rdm6300Frame } from './rdm6300-frame.js';
export type { ReaderOptions, ReaderSource } from './reader-core.js';
export type { SerialBinding } from './serial-device.js';
export { parseTcpPath, type TcpTarget } from './tcp.js';
export {
  openSerialLink,
  SERIAL_LINK_DEFAULTS,
  type SerialLink,
  type SerialLinkOptions,
} from './transport.js';
export {
  type ByteSource,
  type LogMessage,
  type SerialClock,
  type SerialLogger,
  type SerialTimer,
  systemClock,
} from './types.js';

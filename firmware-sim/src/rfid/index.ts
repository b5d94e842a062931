/** The emulated RDM6300 RFID reader. */
export {
  corruptFrame,
  type PresentOptions,
  Rdm6300Emulator,
  type Rdm6300Options,
  type Rdm6300Presentation,
} from './rdm6300.js';

/**
 * The emulated board's pin table: which modes each pin supports (what CAPABILITY_RESPONSE and
 * ANALOG_MAPPING_RESPONSE describe), and each pin's current mode, state and simulated input level.
 */
import { NONE, PinMode } from './protocol.js';

export interface BoardLayout {
  /** Total pins, digital numbering (an Uno: 20, D0–D13 then A0–A5 as D14–D19). */
  pinCount: number;
  /** Pin numbers of analog channels 0, 1, 2…; they also work as digital pins. */
  analogPins: readonly number[];
  /** Pins that accept PWM (and servo) output. */
  pwmPins: readonly number[];
}

export const UNO_LAYOUT: BoardLayout = {
  pinCount: 20,
  analogPins: [14, 15, 16, 17, 18, 19],
  pwmPins: [3, 5, 6, 9, 10, 11],
};

/** Resolution in bits, as CAPABILITY_RESPONSE reports it per mode. */
export const RESOLUTION: Record<PinMode, number> = {
  [PinMode.INPUT]: 1,
  [PinMode.OUTPUT]: 1,
  [PinMode.ANALOG]: 10,
  [PinMode.PWM]: 8,
  [PinMode.SERVO]: 14,
  [PinMode.PULLUP]: 1,
};

export interface Pin {
  readonly modes: readonly PinMode[];
  /** Analog channel, or undefined for a digital-only pin. */
  readonly channel: number | undefined;
  mode: PinMode;
  /**
   * Firmata's pin "state" (PIN_STATE_RESPONSE): the level or PWM value last written for an output
   * mode, the pull-up flag for an input mode.
   */
  state: number;
  /** The level the simulation applies to the pin from outside (a switch, a loop detector). */
  input: 0 | 1;
  /** The simulated analog reading, 0–1023. */
  analog: number;
}

export function createPins(layout: BoardLayout): Pin[] {
  return Array.from({ length: layout.pinCount }, (_, n) => {
    const channel = layout.analogPins.indexOf(n);
    const modes: PinMode[] = [PinMode.INPUT, PinMode.OUTPUT];
    if (channel >= 0) modes.push(PinMode.ANALOG);
    if (layout.pwmPins.includes(n)) modes.push(PinMode.PWM, PinMode.SERVO);
    modes.push(PinMode.PULLUP);
    return {
      modes,
      channel: channel >= 0 ? channel : undefined,
      mode: defaultMode(modes),
      state: 0,
      input: 0,
      analog: 0,
    };
  });
}

/** After reset StandardFirmata puts analog-capable pins in ANALOG mode and all others in OUTPUT LOW. */
export function defaultMode(modes: readonly PinMode[]): PinMode {
  return modes.includes(PinMode.ANALOG) ? PinMode.ANALOG : PinMode.OUTPUT;
}

/** An output pin drives its load (a relay coil) when its mode is OUTPUT and its state HIGH. */
export function drivesHigh(pin: Pin): boolean {
  return pin.mode === PinMode.OUTPUT && pin.state !== 0;
}

/** Whether the pin's level belongs in DIGITAL_MESSAGE port reports (input modes only, as StandardFirmata). */
export function isDigitalInput(pin: Pin): boolean {
  return pin.mode === PinMode.INPUT || pin.mode === PinMode.PULLUP;
}

/** CAPABILITY_RESPONSE payload: per pin, mode/resolution pairs then the 0x7F separator. */
export function capabilityPayload(pins: readonly Pin[]): number[] {
  return pins.flatMap((pin) => [...pin.modes.flatMap((mode) => [mode, RESOLUTION[mode]]), NONE]);
}

/** ANALOG_MAPPING_RESPONSE payload: per pin, its analog channel or 0x7F. */
export function analogMappingPayload(pins: readonly Pin[]): number[] {
  return pins.map((pin) => pin.channel ?? NONE);
}

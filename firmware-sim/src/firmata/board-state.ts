/**
 * What a StandardFirmata board does with the host's messages: pin modes, output levels, reporting
 * and the query replies. It writes replies through `send`, which is a no-op while no host is
 * attached; FirmataDevice owns the stream and the parser.
 */
import { Listeners, type SimClock, type Unsubscribe } from './clock.js';
import type { HostMessage } from './parser.js';
import {
  analogMappingPayload,
  type BoardLayout,
  capabilityPayload,
  createPins,
  defaultMode,
  drivesHigh,
  isDigitalInput,
  type Pin,
} from './pins.js';
import * as P from './protocol.js';

export const DEFAULT_SAMPLING_MS = 19;

export class BoardState {
  readonly pins: Pin[];
  private readonly outputs = new Map<number, Listeners<boolean>>();
  private readonly reportingPorts = new Set<number>();
  private readonly lastReported = new Map<number, number>();
  private readonly reportingChannels = new Set<number>();
  samplingMs = DEFAULT_SAMPLING_MS;
  private samplingTimer: unknown = null;
  private send: ((bytes: Buffer) => void) | null = null;

  constructor(
    layout: BoardLayout,
    private readonly firmware: { name: string; major: number; minor: number },
    private readonly clock: SimClock,
  ) {
    this.pins = createPins(layout);
  }

  /** Where replies go; null while no host is attached (reports are dropped, sampling stops). */
  link(send: ((bytes: Buffer) => void) | null): void {
    this.send = send;
    if (!send) this.stopSampling();
  }

  /** SYSTEM_RESET: default pin modes, outputs LOW, all reporting off, default sampling interval. */
  reset(): void {
    this.changeOutputs(() => {
      for (const pin of this.pins) {
        pin.mode = defaultMode(pin.modes);
        pin.state = 0;
      }
    });
    this.reportingPorts.clear();
    this.lastReported.clear();
    this.reportingChannels.clear();
    this.samplingMs = DEFAULT_SAMPLING_MS;
    this.stopSampling();
  }

  setInput(pin: number, level: 0 | 1): void {
    const rec = this.pins[pin];
    if (!rec) throw new RangeError(`pin ${pin} does not exist (0–${this.pins.length - 1})`);
    rec.input = level;
    this.reportPort(pin >> 3, false);
  }

  onOutput(pin: number, listener: (high: boolean) => void): Unsubscribe {
    let set = this.outputs.get(pin);
    if (!set) {
      set = new Listeners<boolean>();
      this.outputs.set(pin, set);
    }
    return set.add(listener);
  }

  isReporting(pin: number): boolean {
    return this.reportingPorts.has(pin >> 3);
  }

  handle(message: HostMessage): void {
    switch (message.type) {
      case 'digitalPort':
        this.writePort(message.port, message.value);
        break;
      case 'setDigitalPinValue':
        this.changeOutputs(() => {
          const rec = this.pins[message.pin];
          if (rec?.mode === P.PinMode.OUTPUT) rec.state = message.value ? 1 : 0;
        });
        break;
      case 'setPinMode':
        this.setMode(message.pin, message.mode);
        break;
      case 'reportDigital':
        if (message.enable) {
          this.reportingPorts.add(message.port);
          // Since Firmata 2.4 enabling a port reports its current value straight away.
          this.reportPort(message.port, true);
        } else {
          this.reportingPorts.delete(message.port);
          this.lastReported.delete(message.port);
        }
        break;
      case 'reportAnalog':
        this.reportAnalog(message.channel, message.enable);
        break;
      case 'analogWrite':
        this.analogWrite(message.pin, message.value);
        break;
      case 'reportVersion':
        this.sendVersion();
        break;
      case 'systemReset':
        this.reset();
        break;
      case 'sysex':
        this.sysex(message.command, message.data);
        break;
    }
  }

  sendVersion(): void {
    this.send?.(Buffer.from([P.REPORT_VERSION, P.PROTOCOL_VERSION.major, P.PROTOCOL_VERSION.minor]));
  }

  /** The QUERY_FIRMWARE reply: version, then the name as 7-bit pairs. */
  sendFirmware(): void {
    const { name, major, minor } = this.firmware;
    this.send?.(P.sysex(P.QUERY_FIRMWARE, [major, minor, ...P.encodeSysexString(name)]));
  }

  private sysex(command: number, data: readonly number[]): void {
    switch (command) {
      case P.QUERY_FIRMWARE:
        this.sendFirmware();
        break;
      case P.CAPABILITY_QUERY:
        this.send?.(P.sysex(P.CAPABILITY_RESPONSE, capabilityPayload(this.pins)));
        break;
      case P.ANALOG_MAPPING_QUERY:
        this.send?.(P.sysex(P.ANALOG_MAPPING_RESPONSE, analogMappingPayload(this.pins)));
        break;
      case P.PIN_STATE_QUERY: {
        const pin = data[0] ?? -1;
        const rec = this.pins[pin];
        // An unknown pin gets no reply: firmata-io would index a pin record it does not have.
        if (rec) this.send?.(P.sysex(P.PIN_STATE_RESPONSE, [pin, rec.mode, ...P.to7bit(rec.state)]));
        break;
      }
      case P.SAMPLING_INTERVAL:
        this.samplingMs = Math.max(1, (data[0] ?? 0) | ((data[1] ?? 0) << 7));
        break;
      case P.EXTENDED_ANALOG: {
        const [pin = -1, ...bytes] = data;
        this.analogWrite(
          pin,
          bytes.reduce((value, b, i) => value | (b << (7 * i)), 0),
        );
        break;
      }
      default:
      // Unknown or unsupported sysex (I2C, SERVO_CONFIG, STRING_DATA…): ignored; the parser is already past it.
    }
  }

  private writePort(port: number, value: number): void {
    // DIGITAL_MESSAGE sets every OUTPUT pin of the port. Bits of input pins are ignored: firmata-io
    // echoes the last reported input levels in them.
    this.changeOutputs(() => {
      for (let bit = 0; bit < P.PINS_PER_PORT; bit++) {
        const rec = this.pins[port * P.PINS_PER_PORT + bit];
        if (rec?.mode === P.PinMode.OUTPUT) rec.state = (value >> bit) & 1;
      }
    });
  }

  private setMode(pin: number, mode: number): void {
    const rec = this.pins[pin];
    if (!rec) return;
    if (!P.isPinMode(mode) || !rec.modes.includes(mode)) {
      // StandardFirmata answers an unsupported SET_PIN_MODE with a STRING_DATA message.
      this.send?.(P.sysex(P.STRING_DATA, P.encodeSysexString(`Unknown pin mode ${mode} (pin ${pin})`)));
      return;
    }
    // As StandardFirmata: an output starts LOW, the state of an input mode is its pull-up flag.
    this.changeOutputs(() => {
      rec.mode = mode;
      rec.state = mode === P.PinMode.PULLUP ? 1 : 0;
    });
    this.reportPort(pin >> 3, false);
  }

  private analogWrite(pin: number, value: number): void {
    const rec = this.pins[pin];
    if (rec && (rec.mode === P.PinMode.PWM || rec.mode === P.PinMode.SERVO)) rec.state = value;
  }

  private reportAnalog(channel: number, enable: boolean): void {
    if (!this.pins.some((p) => p.channel === channel)) return;
    if (!enable) {
      this.reportingChannels.delete(channel);
      if (this.reportingChannels.size === 0) this.stopSampling();
      return;
    }
    this.reportingChannels.add(channel);
    this.sendAnalog(channel);
    if (this.samplingTimer === null) this.scheduleSampling();
  }

  /** Like the board's main loop: every SAMPLING_INTERVAL, one ANALOG_MESSAGE per reporting channel. */
  private scheduleSampling(): void {
    this.samplingTimer = this.clock.setTimeout(() => {
      this.samplingTimer = null;
      if (!this.send || this.reportingChannels.size === 0) return;
      for (const channel of this.reportingChannels) this.sendAnalog(channel);
      this.scheduleSampling();
    }, this.samplingMs);
  }

  private stopSampling(): void {
    if (this.samplingTimer !== null) this.clock.clearTimeout(this.samplingTimer);
    this.samplingTimer = null;
  }

  /** Runs a pin change and tells the simulation about every output level that moved. */
  private changeOutputs(change: () => void): void {
    const before = this.pins.map(drivesHigh);
    change();
    this.pins.forEach((pin, n) => {
      const high = drivesHigh(pin);
      if (high !== before[n]) this.outputs.get(n)?.emit(high);
    });
  }

  /** DIGITAL_MESSAGE with the port's input levels, when reporting is on and (unless forced) it changed. */
  private reportPort(port: number, force: boolean): void {
    if (!this.reportingPorts.has(port)) return;
    let value = 0;
    for (let bit = 0; bit < P.PINS_PER_PORT; bit++) {
      const rec = this.pins[port * P.PINS_PER_PORT + bit];
      if (rec && isDigitalInput(rec) && rec.input) value |= 1 << bit;
    }
    if (!force && this.lastReported.get(port) === value) return;
    this.lastReported.set(port, value);
    this.send?.(Buffer.from([P.DIGITAL_MESSAGE | port, ...P.to7bit(value)]));
  }

  private sendAnalog(channel: number): void {
    const rec = this.pins.find((p) => p.channel === channel);
    if (rec && channel < 16) this.send?.(Buffer.from([P.ANALOG_MESSAGE | channel, ...P.to7bit(rec.analog)]));
  }
}

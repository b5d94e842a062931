import { afterEach, describe, expect, it, vi } from 'vitest';
import { FirmataDevice } from './device.js';
import { PinMode } from './protocol.js';
import { connectRawHost, type RawHost, settle } from './testing.js';

const text = (bytes: number[]) => {
  const out: number[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) out.push((bytes[i] ?? 0) | ((bytes[i + 1] ?? 0) << 7));
  return Buffer.from(out).toString('utf8');
};

let host: RawHost | undefined;
afterEach(() => {
  host?.close();
  host = undefined;
  vi.useRealTimers();
});

async function connect(device = new FirmataDevice()): Promise<{ device: FirmataDevice; host: RawHost }> {
  host = connectRawHost(device);
  await settle();
  return { device, host };
}

describe('FirmataDevice', () => {
  it('announces itself on connect with REPORT_VERSION and the QUERY_FIRMWARE reply, as a board after reset', async () => {
    const { host } = await connect();
    const [version, firmware] = host.received;
    expect(version).toEqual([0xf9, 2, 5]);
    expect(firmware?.slice(0, 4)).toEqual([0xf0, 0x79, 2, 5]);
    expect(text(firmware?.slice(4, -1) ?? [])).toBe('parkinglot-sim');
    host.clear();
    await host.send(0xf9);
    await host.send(0xf0, 0x79, 0xf7);
    expect(host.received.map((m) => m.slice(0, 2))).toEqual([
      [0xf9, 2],
      [0xf0, 0x79],
    ]);
  });

  it('answers CAPABILITY_QUERY and ANALOG_MAPPING_QUERY for an Uno-like layout', async () => {
    const { host } = await connect();
    host.clear();
    await host.send(0xf0, 0x6b, 0xf7, 0xf0, 0x69, 0xf7);
    const [caps, mapping] = host.received;
    expect(caps?.slice(0, 2)).toEqual([0xf0, 0x6c]);
    const pins: number[][] = [[]];
    for (const byte of caps?.slice(2, -1) ?? []) {
      if (byte === 0x7f) pins.push([]);
      else pins.at(-1)?.push(byte);
    }
    pins.pop();
    expect(pins).toHaveLength(20);
    expect(pins[2]).toEqual([0, 1, 1, 1, 0x0b, 1]); // INPUT, OUTPUT, PULLUP, 1 bit each
    expect(pins[3]).toEqual([0, 1, 1, 1, 3, 8, 4, 14, 0x0b, 1]); // + PWM 8 bit, SERVO
    expect(pins[14]).toEqual([0, 1, 1, 1, 2, 10, 0x0b, 1]); // A0: + ANALOG 10 bit
    expect(mapping).toEqual([0xf0, 0x6a, ...new Array<number>(14).fill(0x7f), 0, 1, 2, 3, 4, 5, 0xf7]);
  });

  it('follows SET_PIN_MODE, DIGITAL_MESSAGE and SET_DIGITAL_PIN_VALUE, telling the simulation about outputs', async () => {
    const { device, host } = await connect();
    const levels: boolean[] = [];
    device.onOutput(9, (high) => levels.push(high));
    await host.send(0xf4, 9, 1); // SET_PIN_MODE 9 OUTPUT
    expect(device.pinMode(9)).toBe(PinMode.OUTPUT);
    await host.send(0x91, 0b0000_0010, 0); // port 1: pin 9 HIGH
    expect(device.digitalValue(9)).toBe(true);
    await host.send(0xf5, 9, 0); // SET_DIGITAL_PIN_VALUE 9 LOW
    await host.send(0xf5, 9, 1);
    await host.send(0xf4, 9, 0); // back to INPUT: no longer driven
    expect(levels).toEqual([true, false, true, false]);
    expect(device.digitalValue(9)).toBe(false);
  });

  it('reports a digital port when REPORT_DIGITAL is enabled and then on every input change', async () => {
    const { device, host } = await connect();
    device.setInput(10, true); // before reporting: nothing is sent
    await host.send(0xf4, 10, 0, 0xf4, 11, 0x0b); // pins 10 INPUT, 11 PULLUP
    host.clear();
    await host.send(0xd1, 1); // REPORT_DIGITAL port 1 on
    expect(host.received).toEqual([[0x91, 0b0000_0100, 0]]);
    expect(device.isReporting(10)).toBe(true);
    device.setInput(11, 1);
    device.setInput(11, 1); // unchanged: no second report
    device.setInput(15, true);
    device.setInput(10, false);
    await settle();
    expect(host.received.slice(1)).toEqual([
      [0x91, 0b0000_1100, 0],
      [0x91, 0b0000_1000, 0], // pin 15 (A1) is in ANALOG mode: not reported
    ]);
    await host.send(0xd1, 0);
    device.setInput(11, 0);
    await settle();
    expect(host.received).toHaveLength(3);
  });

  it('answers PIN_STATE_QUERY with mode and state, ignoring pins it does not have', async () => {
    const { host } = await connect();
    await host.send(0xf4, 4, 1, 0xf5, 4, 1, 0xf4, 5, 0x0b);
    host.clear();
    await host.send(0xf0, 0x6d, 4, 0xf7, 0xf0, 0x6d, 5, 0xf7, 0xf0, 0x6d, 99, 0xf7);
    expect(host.received).toEqual([
      [0xf0, 0x6e, 4, 1, 1, 0, 0xf7],
      [0xf0, 0x6e, 5, 0x0b, 1, 0, 0xf7],
    ]);
  });

  it('sends analog readings on REPORT_ANALOG and every SAMPLING_INTERVAL', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { device, host } = await connect();
    device.setAnalogInput(2, 700);
    await host.send(0xf0, 0x7a, 100, 0, 0xf7); // SAMPLING_INTERVAL 100 ms
    expect(device.samplingIntervalMs).toBe(100);
    host.clear();
    await host.send(0xc2, 1);
    expect(host.received).toEqual([[0xe2, 700 & 0x7f, 700 >> 7]]);
    vi.advanceTimersByTime(250);
    await settle();
    expect(host.received).toHaveLength(3);
    await host.send(0xc2, 0);
    vi.advanceTimersByTime(1000);
    await settle();
    expect(host.received).toHaveLength(3);
  });

  it('SYSTEM_RESET restores default modes, drops outputs and stops reporting', async () => {
    const { device, host } = await connect();
    const levels: boolean[] = [];
    device.onOutput(7, (high) => levels.push(high));
    await host.send(0xf4, 7, 1, 0xf5, 7, 1, 0xf4, 6, 0, 0xd0, 1);
    await host.send(0xff);
    expect(levels).toEqual([true, false]);
    expect(device.pinMode(7)).toBe(PinMode.OUTPUT);
    expect(device.pinMode(6)).toBe(PinMode.OUTPUT);
    expect(device.pinMode(14)).toBe(PinMode.ANALOG);
    expect(device.isReporting(6)).toBe(false);
  });

  it('survives garbage and unknown sysex and keeps answering', async () => {
    const { device, host } = await connect();
    await host.send(
      0x00,
      0x7f,
      0x85,
      0x01,
      0xf0,
      0x01,
      0x02,
      0x03,
      0xf7,
      0xf0,
      0x76,
      0x00,
      0xf7,
      0xf4,
      99,
      1,
      0xf4,
      2,
      0x42,
    );
    host.clear();
    await host.send(0xf9);
    expect(host.received).toEqual([[0xf9, 2, 5]]);
    expect(device.discardedBytes).toBeGreaterThan(0);
    expect(device.pinMode(2)).toBe(PinMode.OUTPUT);
  });

  it('answers an unsupported SET_PIN_MODE with STRING_DATA, as StandardFirmata does', async () => {
    const { host } = await connect();
    host.clear();
    await host.send(0xf4, 2, 2); // ANALOG on a digital-only pin
    expect(host.received[0]?.slice(0, 2)).toEqual([0xf0, 0x71]);
    expect(text(host.received[0]?.slice(2, -1) ?? [])).toMatch(/pin 2/);
  });

  it('resets on a new connection (as an Uno does when its port is opened) but keeps simulated inputs', async () => {
    const device = new FirmataDevice();
    const first = connectRawHost(device);
    await first.send(0xf4, 8, 1, 0xf5, 8, 1);
    device.setInput(12, true);
    expect(device.digitalValue(8)).toBe(true);
    const { host } = await connect(device);
    expect(device.connected).toBe(true);
    expect(device.digitalValue(8)).toBe(false);
    await host.send(0xf4, 12, 0, 0xd1, 1);
    expect(host.received.at(-1)).toEqual([0x91, 0b0001_0000, 0]);
    first.close();
    expect(device.connected).toBe(true);
    host.close();
    await settle();
    expect(device.connected).toBe(false);
  });

  it('rejects simulated inputs on pins it does not have', () => {
    expect(() => new FirmataDevice({ pinCount: 8, analogPins: [], pwmPins: [] }).setInput(8, true)).toThrow(
      RangeError,
    );
  });
});

describe('FirmataDevice without reset on connect', () => {
  it('keeps its pins and stays silent until the host asks (a board behind ser2net)', async () => {
    const device = new FirmataDevice({ resetOnConnect: false });
    const first = connectRawHost(device);
    await first.send(0xf4, 8, 1, 0xf5, 8, 1);
    first.close();
    const { host } = await connect(device);
    expect(host.received).toEqual([]);
    expect(device.digitalValue(8)).toBe(true);
    await host.send(0xf9);
    expect(host.received).toEqual([[0xf9, 2, 5]]);
  });
});

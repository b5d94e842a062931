/**
 * The barrier and the loop detectors on GPIO lines, through GpioPins on the in-memory chip: the
 * same drivers as on Firmata, with polarity, bias and debounce per line, and a lost chip.
 */
import { quietLogger } from '@parkinglot/platform/log';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FirmataBarrier, type FirmataBarrierOptions } from '../firmata/barrier.js';
import { FirmataLoopDetector } from '../firmata/loop-detector.js';
import type { BarrierPosition } from '../ports.js';
import { FakeGpioBinding, type FakeGpioChip } from './fake.js';
import { GpioPins } from './pins.js';

const RELAY = 17;
const CLOSE_RELAY = 27;
const CLOSED_LIMIT = 22;
const LOOP = 23;

/** The fake timers, through the Timers port the drivers take. */
const timers = {
  setTimeout: (f: () => void, ms: number) => setTimeout(f, ms),
  clearTimeout: (t: unknown) => clearTimeout(t as ReturnType<typeof setTimeout>),
};

describe('GPIO pins', () => {
  let chip: FakeGpioChip;
  let pins: GpioPins;

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const binding = new FakeGpioBinding();
    chip = binding.chip();
    pins = new GpioPins(await binding.open('/dev/gpiochip0'));
  });
  afterEach(() => vi.useRealTimers());

  const barrier = (options: Partial<FirmataBarrierOptions>) => {
    const b = new FirmataBarrier(pins, {
      relayPin: RELAY,
      openTimeMs: 1000,
      closeTimeMs: 1000,
      timers,
      log: quietLogger(),
      ...options,
    });
    const positions: BarrierPosition[] = [];
    b.onPosition((p) => positions.push(p));
    return { b, positions };
  };

  it('holds the relay while the arm should be up, and claims the line at its released level (no glitch)', async () => {
    const { b, positions } = barrier({ mode: 'hold' });
    expect(chip.history(RELAY)).toEqual([false]);
    await b.open();
    expect(chip.level(RELAY)).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(b.position).toBe('open');
    await b.close();
    expect(chip.level(RELAY)).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(positions).toEqual(['opening', 'open', 'closing', 'closed']);
    expect(chip.history(RELAY)).toEqual([false, true, false]);
  });

  it('drives an active-low relay module inverted, from its released level up', async () => {
    const { b } = barrier({ mode: 'hold', activeHigh: false });
    expect(chip.history(RELAY)).toEqual([true]);
    await b.open();
    expect(chip.level(RELAY)).toBe(false);
  });

  it('pulses the open and the close relays in pulse mode', async () => {
    const { b } = barrier({ mode: 'pulse', pulseMs: 300, closeRelayPin: CLOSE_RELAY });
    const opened = b.open();
    expect(chip.level(RELAY)).toBe(true);
    vi.advanceTimersByTime(300);
    await opened;
    expect(chip.level(RELAY)).toBe(false);
    const closed = b.close();
    expect(chip.level(CLOSE_RELAY)).toBe(true);
    vi.advanceTimersByTime(300);
    await closed;
    expect(chip.history(RELAY)).toEqual([false, true, false]);
    expect(chip.history(CLOSE_RELAY)).toEqual([false, true, false]);
  });

  it('takes "closed" from a limit switch on a pulled-up line (a dry contact to ground), debounced', async () => {
    chip.drive(CLOSED_LIMIT, false); // the arm rests on the switch: the contact pulls the line low
    const { b, positions } = barrier({
      mode: 'hold',
      closedLimit: { pin: CLOSED_LIMIT, activeHigh: false, pullUp: true, debounceMs: 20 },
    });
    expect(chip.bias(CLOSED_LIMIT)).toBe('pull-up');
    expect(b.position).toBe('closed');
    await b.open();
    chip.drive(CLOSED_LIMIT, true); // leaves the switch
    vi.advanceTimersByTime(1000);
    expect(b.position).toBe('open');
    await b.close();
    // A bounce shorter than the debounce is not an arrival.
    chip.drive(CLOSED_LIMIT, false);
    vi.advanceTimersByTime(5);
    chip.drive(CLOSED_LIMIT, true);
    vi.advanceTimersByTime(1500);
    expect(b.position).toBe('closing');
    chip.drive(CLOSED_LIMIT, false);
    vi.advanceTimersByTime(20);
    expect(b.position).toBe('closed');
    expect(positions).toEqual(['opening', 'open', 'closing', 'closed']);
  });

  it('reads a loop detector’s edges, active-low with a pull-up, debounced', () => {
    const loop = new FirmataLoopDetector(pins, {
      pin: LOOP,
      activeHigh: false,
      pullUp: true,
      debounceMs: 50,
      timers,
    });
    const seen: boolean[] = [];
    loop.onChange((p) => seen.push(p));
    expect(loop.present).toBe(false);
    chip.drive(LOOP, false);
    vi.advanceTimersByTime(30);
    chip.drive(LOOP, true);
    vi.advanceTimersByTime(100);
    expect(seen).toEqual([]);
    chip.drive(LOOP, false);
    vi.advanceTimersByTime(50);
    expect(seen).toEqual([true]);
    chip.drive(LOOP, true);
    vi.advanceTimersByTime(50);
    expect(seen).toEqual([true, false]);
  });

  it('treats a lost chip as a lost board: unknown, disconnected, and no relay driven after it', async () => {
    const { b } = barrier({ mode: 'hold' });
    const lost: string[] = [];
    pins.onDisconnect(() => lost.push('lost'));
    chip.lose('unplugged');
    expect(lost).toEqual(['lost']);
    expect(pins.connected).toBe(false);
    expect(b.position).toBe('unknown');
    await expect(b.open()).rejects.toThrow(/disconnected/);
    expect(chip.history(RELAY)).toEqual([false]);
  });

  it('refuses a line claimed twice, as the kernel does', () => {
    new FirmataLoopDetector(pins, { pin: LOOP, timers });
    expect(() => {
      pins.setOutput(LOOP);
      pins.write(LOOP, true);
    }).toThrow(/busy/);
  });
});

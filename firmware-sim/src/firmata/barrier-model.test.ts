import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ArmPosition, BarrierModel } from './barrier-model.js';
import { FirmataDevice } from './device.js';
import { LoopDetectors } from './loop-detectors.js';
import { connectRawHost, type RawHost } from './testing.js';

const RELAY = 7;
const CLOSE_RELAY = 6;
const CLOSED_LIMIT = 8;
const OPEN_LIMIT = 9;

let host: RawHost;
let device: FirmataDevice;
let positions: ArmPosition[];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  device = new FirmataDevice();
  host = connectRawHost(device);
  positions = [];
});
afterEach(() => {
  host.close();
  vi.useRealTimers();
});

function model(options: Partial<ConstructorParameters<typeof BarrierModel>[1]> = {}): BarrierModel {
  const barrier = new BarrierModel(device, {
    relayPin: RELAY,
    closedLimitPin: CLOSED_LIMIT,
    openLimitPin: OPEN_LIMIT,
    openTimeMs: 1500,
    closeTimeMs: 1000,
    ...options,
  });
  barrier.onPosition((p) => positions.push(p));
  return barrier;
}

const relay = (pin: number, high: boolean) => host.send(0xf5, pin, high ? 1 : 0);

describe('BarrierModel, hold mode', () => {
  it('raises the arm while the relay is held HIGH and lowers it when released', async () => {
    const barrier = model();
    await host.send(0xf4, RELAY, 1);
    expect(barrier.position).toBe('closed');
    expect(device.inputLevel(CLOSED_LIMIT)).toBe(true);

    await relay(RELAY, true);
    expect(barrier.position).toBe('opening');
    expect(device.inputLevel(CLOSED_LIMIT)).toBe(false);
    vi.advanceTimersByTime(1499);
    expect(barrier.position).toBe('opening');
    vi.advanceTimersByTime(1);
    expect(barrier.position).toBe('open');
    expect(device.inputLevel(OPEN_LIMIT)).toBe(true);

    await relay(RELAY, false);
    expect(barrier.position).toBe('closing');
    expect(device.inputLevel(OPEN_LIMIT)).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(barrier.position).toBe('closed');
    expect(device.inputLevel(CLOSED_LIMIT)).toBe(true);
    expect(positions).toEqual(['opening', 'open', 'closing', 'closed']);
  });

  it('reverses mid-travel in the remaining fraction of the travel time', async () => {
    const barrier = model({ closeTimeMs: 1500 });
    await host.send(0xf4, RELAY, 1);
    await relay(RELAY, true);
    vi.advanceTimersByTime(600);
    expect(barrier.raised).toBeCloseTo(0.4, 2);
    await relay(RELAY, false);
    expect(barrier.position).toBe('closing');
    vi.advanceTimersByTime(599);
    expect(barrier.position).toBe('closing');
    vi.advanceTimersByTime(2);
    expect(barrier.position).toBe('closed');
  });

  it('a jammed arm never reaches closed and its limit switch stays open until freed', async () => {
    const barrier = model();
    await host.send(0xf4, RELAY, 1);
    await relay(RELAY, true);
    vi.advanceTimersByTime(1500);
    await relay(RELAY, false);
    vi.advanceTimersByTime(300);
    barrier.jam();
    vi.advanceTimersByTime(10_000);
    expect(barrier.position).toBe('closing');
    expect(device.inputLevel(CLOSED_LIMIT)).toBe(false);
    barrier.jam(false);
    vi.advanceTimersByTime(700);
    expect(barrier.position).toBe('closed');
    expect(device.inputLevel(CLOSED_LIMIT)).toBe(true);
  });

  it('honours an active-low relay and active-low limit switches', async () => {
    const barrier = model({
      relayActiveHigh: false,
      closedLimitActiveHigh: false,
      openLimitActiveHigh: false,
    });
    // Pins come out of reset as OUTPUT LOW: an active-low relay is energised until the host drives it HIGH.
    expect(barrier.position).toBe('opening');
    await relay(RELAY, true);
    expect(barrier.position).toBe('closing');
    vi.advanceTimersByTime(1000);
    expect(barrier.position).toBe('closed');
    expect(device.inputLevel(CLOSED_LIMIT)).toBe(false);
    expect(device.inputLevel(OPEN_LIMIT)).toBe(true);
  });

  it('drops the arm when the board resets (outputs go LOW)', async () => {
    const barrier = model();
    await host.send(0xf4, RELAY, 1);
    await relay(RELAY, true);
    vi.advanceTimersByTime(1500);
    await host.send(0xff);
    expect(barrier.position).toBe('closing');
    barrier.dispose();
  });
});

describe('BarrierModel, pulse mode', () => {
  it('opens on a pulse of the open relay, stays up, and closes on a pulse of the close relay', async () => {
    const barrier = model({ mode: 'pulse', closeRelayPin: CLOSE_RELAY });
    await host.send(0xf4, RELAY, 1, 0xf4, CLOSE_RELAY, 1);
    await relay(RELAY, true);
    vi.advanceTimersByTime(200);
    await relay(RELAY, false);
    vi.advanceTimersByTime(2000);
    expect(barrier.position).toBe('open');
    await relay(CLOSE_RELAY, true);
    await relay(CLOSE_RELAY, false);
    expect(barrier.position).toBe('closing');
    vi.advanceTimersByTime(1000);
    expect(barrier.position).toBe('closed');
  });

  it('closes by itself autoCloseMs after it got up; a new pulse restarts the wait', async () => {
    const barrier = model({ mode: 'pulse', autoCloseMs: 5000 });
    await host.send(0xf4, RELAY, 1);
    await relay(RELAY, true);
    await relay(RELAY, false);
    vi.advanceTimersByTime(1500 + 4000);
    expect(barrier.position).toBe('open');
    await relay(RELAY, true);
    await relay(RELAY, false);
    vi.advanceTimersByTime(4000);
    expect(barrier.position).toBe('open');
    vi.advanceTimersByTime(1000);
    expect(barrier.position).toBe('closing');
    vi.advanceTimersByTime(1000);
    expect(barrier.position).toBe('closed');
  });

  it('needs a close relay or an auto-close time', () => {
    expect(() => model({ mode: 'pulse' })).toThrow(/closeRelayPin or autoCloseMs/);
  });
});

describe('LoopDetectors', () => {
  it('drive their input pins with the configured polarity', async () => {
    const loops = new LoopDetectors(device, { entry: 2, exit: { pin: 3, activeHigh: false } });
    expect(device.inputLevel(2)).toBe(false);
    expect(device.inputLevel(3)).toBe(true);
    await host.send(0xf4, 2, 0, 0xf4, 3, 0x0b, 0xd0, 1);
    host.clear();
    loops.vehicleOver('entry', true);
    loops.vehicleOver('exit', true);
    expect(loops.isPresent('exit')).toBe(true);
    expect(device.inputLevel(3)).toBe(false);
    await host.send();
    expect(host.received).toEqual([
      [0x90, 0b0000_1100, 0],
      [0x90, 0b0000_0100, 0],
    ]);
  });
});

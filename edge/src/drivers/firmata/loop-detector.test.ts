import { afterEach, describe, expect, it, vi } from 'vitest';
import { FirmataLoopDetector } from './loop-detector.js';
import { type Bench, connectBench, LoopDetectors, settle, until } from './testing.js';

let bench: Bench | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await bench?.board.close();
  bench = undefined;
});

describe('FirmataLoopDetector', () => {
  it('follows vehicleOver on the emulated loop', async () => {
    bench = await connectBench();
    const loops = new LoopDetectors(bench.device, { arrival: 2 });
    const detector = new FirmataLoopDetector(bench.board, { pin: 2 });
    const changes: boolean[] = [];
    detector.onChange((present) => changes.push(present));
    await until(() => detector.known);
    expect(detector.present).toBe(false);

    loops.vehicleOver('arrival', true);
    await until(() => detector.present);
    loops.vehicleOver('arrival', false);
    await until(() => !detector.present);
    expect(changes).toEqual([true, false]);
    detector.dispose();
  });

  it('reads an active-low contact on an input-pullup pin', async () => {
    bench = await connectBench();
    const loops = new LoopDetectors(bench.device, { passage: { pin: 3, activeHigh: false } });
    const detector = new FirmataLoopDetector(bench.board, { pin: 3, activeHigh: false, pullUp: true });
    await until(() => detector.known);
    expect(bench.device.pinMode(3)).toBe(0x0b);
    expect(detector.present).toBe(false);
    loops.vehicleOver('passage', true);
    await until(() => detector.present);
  });

  it('ignores blips shorter than debounceMs', async () => {
    bench = await connectBench();
    const loops = new LoopDetectors(bench.device, { arrival: 2 });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const detector = new FirmataLoopDetector(bench.board, { pin: 2, debounceMs: 50 });
    await settle();
    expect(detector.known).toBe(true);

    loops.vehicleOver('arrival', true);
    await settle();
    vi.advanceTimersByTime(30);
    loops.vehicleOver('arrival', false);
    await settle();
    vi.advanceTimersByTime(100);
    expect(detector.present).toBe(false);

    loops.vehicleOver('arrival', true);
    await settle();
    vi.advanceTimersByTime(49);
    expect(detector.present).toBe(false);
    vi.advanceTimersByTime(1);
    expect(detector.present).toBe(true);
  });
});

import { quietLogger } from '@parkinglot/platform/log';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BarrierPosition } from '../ports.js';
import { FirmataBarrier, type FirmataBarrierOptions } from './barrier.js';
import {
  type ArmPosition,
  BarrierModel,
  type BarrierModelOptions,
  type Bench,
  connectBench,
  settle,
} from './testing.js';

const RELAY = 7;
const CLOSE_RELAY = 6;
const CLOSED_LIMIT = 8;
const OPEN_LIMIT = 9;

let bench: Bench | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await bench?.board.close();
  bench = undefined;
});

interface Rig {
  bench: Bench;
  barrier: FirmataBarrier;
  arm: BarrierModel;
  positions: BarrierPosition[];
  arms: ArmPosition[];
}

/**
 * Emulated board + modelled arm + the driver under test. Fake timers (setTimeout and Date only) go
 * in after the handshake: stream I/O runs on nextTick/setImmediate, which stay real, so each step
 * is "act, let the bytes land (settle), advance the clock".
 */
async function rig(
  driver: Partial<FirmataBarrierOptions>,
  model: Partial<BarrierModelOptions> = {},
): Promise<Rig> {
  bench = await connectBench();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  const arm = new BarrierModel(bench.device, {
    relayPin: RELAY,
    closedLimitPin: CLOSED_LIMIT,
    openLimitPin: OPEN_LIMIT,
    openTimeMs: 1500,
    closeTimeMs: 1500,
    ...model,
  });
  const barrier = new FirmataBarrier(bench.board, {
    relayPin: RELAY,
    openTimeMs: 1500,
    closeTimeMs: 1500,
    log: quietLogger(),
    ...driver,
  });
  const positions: BarrierPosition[] = [];
  const arms: ArmPosition[] = [];
  barrier.onPosition((p) => positions.push(p));
  arm.onPosition((p) => arms.push(p));
  await settle();
  return { bench, barrier, arm, positions, arms };
}

const closedLimit = { pin: CLOSED_LIMIT };

describe('FirmataBarrier, hold mode with a closed-limit switch', () => {
  it('starts from the switch: closed once the board reports it', async () => {
    const { barrier, bench } = await rig({ closedLimit });
    expect(barrier.hasLimitSwitch).toBe(true);
    expect(barrier.position).toBe('closed');
    expect(bench.device.pinMode(CLOSED_LIMIT)).toBe(0);
    expect(bench.device.isReporting(CLOSED_LIMIT)).toBe(true);
  });

  it('open() drives the relay pin HIGH on the board and the arm rises; close() lets it down, confirmed by the switch', async () => {
    const { barrier, arm, bench, positions, arms } = await rig({ closedLimit });
    await barrier.open();
    await settle();
    expect(bench.device.digitalValue(RELAY)).toBe(true);
    expect(arm.position).toBe('opening');
    expect(barrier.position).toBe('opening');
    vi.advanceTimersByTime(1500);
    await settle();
    expect(arm.position).toBe('open');
    expect(barrier.position).toBe('open');

    await barrier.close();
    await settle();
    expect(bench.device.digitalValue(RELAY)).toBe(false);
    expect(barrier.position).toBe('closing');
    vi.advanceTimersByTime(1499);
    await settle();
    expect(barrier.position).toBe('closing');
    vi.advanceTimersByTime(1);
    await settle();
    expect(arm.position).toBe('closed');
    expect(barrier.position).toBe('closed');
    expect(positions).toEqual(['closed', 'opening', 'open', 'closing', 'closed']);
    expect(arms).toEqual(['opening', 'open', 'closing', 'closed']);
  });

  it('never claims closed while the arm is blocked, however long it waits', async () => {
    const { barrier, arm } = await rig({ closedLimit });
    await barrier.open();
    await settle();
    vi.advanceTimersByTime(1500);
    await barrier.close();
    await settle();
    vi.advanceTimersByTime(500);
    arm.jam(); // a car under the arm
    vi.advanceTimersByTime(60_000);
    await settle();
    expect(arm.position).toBe('closing');
    expect(barrier.position).toBe('closing');
    arm.jam(false);
    vi.advanceTimersByTime(1000);
    await settle();
    expect(barrier.position).toBe('closed');
  });

  it('reverses: open() while closing goes back up', async () => {
    const { barrier, arm } = await rig({ closedLimit });
    await barrier.open();
    await settle();
    vi.advanceTimersByTime(1500);
    await barrier.close();
    await settle();
    vi.advanceTimersByTime(300);
    await barrier.open();
    await settle();
    expect(arm.position).toBe('opening');
    expect(barrier.position).toBe('opening');
    vi.advanceTimersByTime(1500);
    await settle();
    expect(barrier.position).toBe('open');
  });

  it("says 'unknown' when the arm leaves its closed limit without a command", async () => {
    const { barrier, bench } = await rig({ closedLimit });
    bench.device.setInput(CLOSED_LIMIT, false); // lifted by hand
    await settle();
    expect(barrier.position).toBe('unknown');
    bench.device.setInput(CLOSED_LIMIT, true);
    await settle();
    expect(barrier.position).toBe('closed');
  });
});

describe('FirmataBarrier, other wirings', () => {
  it('without a limit switch assumes closed after closeTimeMs, even for a blocked arm', async () => {
    const { barrier, arm } = await rig({});
    expect(barrier.hasLimitSwitch).toBe(false);
    vi.advanceTimersByTime(1500);
    expect(barrier.position).toBe('closed');
    await barrier.open();
    await settle();
    vi.advanceTimersByTime(1500);
    await barrier.close();
    await settle();
    arm.jam();
    vi.advanceTimersByTime(1500);
    expect(barrier.position).toBe('closed');
    expect(arm.position).toBe('closing');
  });

  it("with an open-limit switch, 'open' waits for the switch rather than the timer", async () => {
    const { barrier, arm } = await rig(
      { closedLimit, openLimit: { pin: OPEN_LIMIT }, openTimeMs: 100 },
      { openTimeMs: 2000 },
    );
    await barrier.open();
    await settle();
    vi.advanceTimersByTime(1000);
    await settle();
    expect(barrier.position).toBe('opening');
    vi.advanceTimersByTime(1000);
    await settle();
    expect(arm.position).toBe('open');
    expect(barrier.position).toBe('open');
  });

  it('drives an active-low relay and reads an active-low switch', async () => {
    const { barrier, arm, bench } = await rig(
      { activeHigh: false, closedLimit: { pin: CLOSED_LIMIT, activeHigh: false } },
      { relayActiveHigh: false, closedLimitActiveHigh: false },
    );
    // The board came up with the pin OUTPUT LOW (the relay energised) until the driver released it.
    vi.advanceTimersByTime(1500);
    await settle();
    expect(bench.device.digitalValue(RELAY)).toBe(true);
    expect(arm.position).toBe('closed');
    expect(barrier.position).toBe('closed');
    await barrier.open();
    await settle();
    expect(bench.device.digitalValue(RELAY)).toBe(false);
    vi.advanceTimersByTime(1500);
    await settle();
    expect(arm.position).toBe('open');
    expect(barrier.position).toBe('open');
  });

  it("'pulse' mode pulses the open relay for pulseMs and the close relay to close", async () => {
    const { barrier, arm, bench } = await rig(
      { mode: 'pulse', pulseMs: 300, closeRelayPin: CLOSE_RELAY, closedLimit },
      { mode: 'pulse', closeRelayPin: CLOSE_RELAY },
    );
    expect(barrier.position).toBe('closed');
    const relay: boolean[] = [];
    bench.device.onOutput(RELAY, (high) => relay.push(high));
    let opened = false;
    const opening = barrier.open().then(() => {
      opened = true;
    });
    await settle();
    expect(arm.position).toBe('opening');
    vi.advanceTimersByTime(299);
    await settle();
    expect(opened).toBe(false);
    vi.advanceTimersByTime(1);
    await opening;
    await settle();
    expect(relay).toEqual([true, false]);
    vi.advanceTimersByTime(1500);
    await settle();
    expect(arm.position).toBe('open');
    expect(barrier.position).toBe('open');

    const closing = barrier.close();
    vi.advanceTimersByTime(300);
    await closing;
    await settle();
    expect(arm.position).toBe('closing');
    vi.advanceTimersByTime(1500);
    await settle();
    expect(barrier.position).toBe('closed');
  });

  it("'pulse' mode without a close relay follows a controller that closes by itself, via the switch", async () => {
    const { barrier, arm } = await rig(
      { mode: 'pulse', pulseMs: 200, closedLimit, openLimit: { pin: OPEN_LIMIT } },
      { mode: 'pulse', autoCloseMs: 4000 },
    );
    const opening = barrier.open();
    vi.advanceTimersByTime(200);
    await opening;
    await settle();
    vi.advanceTimersByTime(1300);
    await settle();
    expect(barrier.position).toBe('open');
    vi.advanceTimersByTime(4000);
    await settle();
    expect(arm.position).toBe('closing');
    expect(barrier.position).toBe('unknown'); // it left the open limit without our command
    vi.advanceTimersByTime(1500);
    await settle();
    expect(barrier.position).toBe('closed');
    await barrier.close(); // nothing to drive: the controller already closed
    expect(barrier.position).toBe('closed');
  });

  it("becomes 'unknown' when the board is lost, and refuses to drive it", async () => {
    const { barrier, bench } = await rig({ closedLimit });
    vi.useRealTimers();
    await bench.board.close();
    expect(barrier.position).toBe('unknown');
    await expect(barrier.open()).rejects.toThrow(/disconnected/);
  });
});

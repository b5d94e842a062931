import { createLogger } from '@parkinglot/platform/log';
import { systemClock } from '@parkinglot/platform/time';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  FakeBarrier,
  FakeLoop,
  FakePlateReader,
  FakeRfidReader,
  MemoryRecorder,
  ScriptedAuthorizer,
} from '../testing/fakes.js';
import { GateController, type GateControllerOptions } from './controller.js';

const log = createLogger('test', 'silent');

function rig(direction: 'entry' | 'exit', overrides: Partial<GateControllerOptions> = {}) {
  const barrier = new FakeBarrier(systemClock, 1000);
  const arrival = new FakeLoop();
  const passage = new FakeLoop();
  const plates = new FakePlateReader();
  const tags = new FakeRfidReader();
  const authorizer = new ScriptedAuthorizer();
  const recorder = new MemoryRecorder();
  const gate = new GateController({
    direction,
    clock: systemClock,
    log,
    barrier,
    arrival,
    passage,
    plates,
    tags,
    authorizer,
    recorder,
    minPlateConfidence: 0.8,
    timing: { credentialTimeoutMs: 10_000, passageTimeoutMs: 20_000, closeTimeoutMs: 5_000, maxAttempts: 2 },
    ...overrides,
  });
  gate.start();
  const settle = async (ms = 0) => {
    await vi.advanceTimersByTimeAsync(ms);
    await gate.settled();
  };
  return { gate, barrier, arrival, passage, plates, tags, authorizer, recorder, settle };
}

describe('gate state machine', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => vi.useRealTimers());

  it('entry: vehicle, read, allow, open, passed, Started, close', async () => {
    const r = rig('entry');
    r.arrival.set(true);
    await r.settle();
    expect(r.gate.state).toBe('awaiting_credential');
    r.plates.read('12가 3456');
    await r.settle();
    expect(r.authorizer.asked).toEqual([{ kind: 'plate', value: '12가3456' }]);
    expect(r.gate.state).toBe('awaiting_passage');
    expect(r.barrier.commands).toEqual(['open']);
    await r.settle(1000);
    expect(r.barrier.position).toBe('open');
    r.passage.set(true);
    r.arrival.set(false);
    await r.settle();
    expect(r.recorder.types()).toEqual([]);
    r.passage.set(false);
    await r.settle();
    expect(r.recorder.events).toEqual([
      {
        type: 'Started',
        credential: { kind: 'plate', value: '12가3456' },
        reservationId: 'res-12가3456',
        requestId: 'req-1',
      },
    ]);
    expect(r.gate.state).toBe('closing');
    await r.settle(1000);
    expect(r.barrier.position).toBe('closed');
    expect(r.gate.state).toBe('idle');
  });

  it('entry: a deny keeps the barrier shut and records Denied; a second credential may still be allowed', async () => {
    const r = rig('entry');
    r.authorizer.decide = (c) => (c.kind === 'plate' ? 'no_reservation' : 'allow');
    r.arrival.set(true);
    r.plates.read('99ZZ999');
    await r.settle();
    expect(r.barrier.commands).toEqual([]);
    expect(r.recorder.events[0]).toMatchObject({
      type: 'Denied',
      reason: 'no_reservation',
      credential: { value: '99ZZ999' },
    });
    expect(r.gate.state).toBe('awaiting_credential');
    r.tags.read('0a1b2c3d4e');
    await r.settle();
    expect(r.barrier.commands).toEqual(['open']);
  });

  it('entry: blocks after the maximum denials and frees up when the vehicle leaves', async () => {
    const r = rig('entry');
    r.authorizer.decide = () => 'unknown_credential';
    r.arrival.set(true);
    r.plates.read('AAA111');
    await r.settle();
    r.plates.read('BBB222');
    await r.settle();
    expect(r.gate.state).toBe('blocked');
    r.plates.read('CCC333');
    await r.settle();
    expect(r.authorizer.asked).toHaveLength(2);
    r.arrival.set(false);
    await r.settle();
    expect(r.gate.state).toBe('idle');
    expect(r.barrier.commands).toEqual([]);
  });

  it('ignores plate reads below the confidence threshold; releases the allow of a read whose car never arrives', async () => {
    const r = rig('entry');
    r.plates.read('12가3456');
    await r.settle();
    // Asked at the read, while the loop would be confirming the car.
    expect(r.authorizer.asked).toEqual([{ kind: 'plate', value: '12가3456' }]);
    await r.settle(60_000);
    expect(r.barrier.commands).toEqual([]);
    expect(r.gate.state).toBe('idle');
    // The cloud holds the reservation for an allowed car: told to let go of it.
    expect(r.recorder.events).toEqual([
      {
        type: 'EntryAborted',
        credential: { kind: 'plate', value: '12가3456' },
        reservationId: 'res-12가3456',
        requestId: 'req-1',
        reason: 'the car read did not reach the gate',
      },
    ]);
    r.arrival.set(true);
    r.plates.read('34나5678', 0.4);
    await r.settle();
    expect(r.authorizer.asked).toHaveLength(1);
    expect(r.gate.state).toBe('awaiting_credential');
  });

  it('asks at a read that came just before the car reached the arrival loop, and opens on the loop without asking again', async () => {
    const r = rig('entry', { timing: { readAheadMs: 5000 } });
    r.plates.read('12가3456');
    await r.settle(4000);
    expect(r.authorizer.asked).toEqual([{ kind: 'plate', value: '12가3456' }]);
    expect(r.barrier.commands).toEqual([]);
    r.arrival.set(true);
    await r.settle();
    expect(r.authorizer.asked).toHaveLength(1);
    expect(r.barrier.commands).toEqual(['open']);
    expect(r.recorder.events).toEqual([]);

    // Too late: the early allow lapsed and was released; the car waits for a fresh read.
    const stale = rig('entry', { timing: { readAheadMs: 5000 } });
    stale.plates.read('34나5678');
    await stale.settle(6000);
    stale.arrival.set(true);
    await stale.settle();
    expect(stale.authorizer.asked).toHaveLength(1);
    expect(stale.recorder.types()).toEqual(['EntryAborted']);
    expect(stale.gate.state).toBe('awaiting_credential');
  });

  it('keeps no early decision it does not use: a second car read first, a deny, and askAtRead false', async () => {
    const r = rig('entry');
    r.authorizer.decide = (c) => (c.value === '99하9999' ? 'no_reservation' : 'allow');
    r.plates.read('12가3456');
    r.plates.read('56다7890');
    await r.settle();
    // The first allow is let go as soon as another car is read.
    expect(r.recorder.events).toEqual([
      expect.objectContaining({ type: 'EntryAborted', requestId: 'req-1', reason: 'another car was read' }),
    ]);
    r.arrival.set(true);
    await r.settle();
    expect(r.barrier.commands).toEqual(['open']);
    expect(r.authorizer.asked.map((c) => c.value)).toEqual(['12가3456', '56다7890']);

    // A deny that lapses holds nothing at the cloud: nothing to release, nothing recorded.
    const d = rig('entry');
    d.authorizer.decide = () => 'no_reservation';
    d.plates.read('99하9999');
    await d.settle(60_000);
    expect(d.recorder.events).toEqual([]);

    const off = rig('entry', { askAtRead: false });
    off.plates.read('12가3456');
    await off.settle();
    expect(off.authorizer.asked).toEqual([]);
    off.arrival.set(true);
    await off.settle();
    expect(off.authorizer.asked).toHaveLength(1);
    expect(off.barrier.commands).toEqual(['open']);
  });

  it('asks again at the barrier when the early ask found the cloud unreachable', async () => {
    const r = rig('entry');
    let answers = 0;
    const inner = r.authorizer.authorize.bind(r.authorizer);
    r.authorizer.authorize = async (c, options) => {
      answers += 1;
      if (answers === 1) {
        expect(options).toEqual({ early: true });
        return { allow: false, requestId: 'req-early', reason: 'cloud_disconnected' };
      }
      return inner(c);
    };
    r.plates.read('12가3456');
    await r.settle();
    r.arrival.set(true);
    await r.settle();
    expect(answers).toBe(2);
    expect(r.barrier.commands).toEqual(['open']);
    expect(r.recorder.events).toEqual([]);
  });

  it('waits for an early decision still on its way when the car is confirmed, and asks only once', async () => {
    const r = rig('entry');
    let answer: (() => void) | null = null;
    const inner = r.authorizer.authorize.bind(r.authorizer);
    r.authorizer.authorize = (c) =>
      new Promise((resolve) => {
        answer = () => void inner(c).then(resolve);
      });
    r.plates.read('12가3456');
    await r.settle();
    r.arrival.set(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(r.gate.state).toBe('authorizing');
    expect(r.barrier.commands).toEqual([]);
    answer!();
    await r.settle();
    expect(r.barrier.commands).toEqual(['open']);
    expect(r.authorizer.asked).toHaveLength(1);
  });

  it('records NoCredential and blocks when no read comes before the timeout', async () => {
    const r = rig('entry');
    r.arrival.set(true);
    await r.settle(10_000);
    expect(r.recorder.types()).toEqual(['NoCredential']);
    expect(r.gate.state).toBe('blocked');
    expect(r.barrier.commands).toEqual([]);
  });

  it('records EntryAborted and closes when nobody drives through', async () => {
    const r = rig('entry');
    r.arrival.set(true);
    r.plates.read('12가3456');
    await r.settle();
    await r.settle(20_000);
    expect(r.recorder.types()).toEqual(['EntryAborted']);
    expect(r.recorder.events[0]).toMatchObject({ reservationId: 'res-12가3456' });
    expect(r.barrier.commands).toEqual(['open', 'close']);
  });

  it('releases the admission when the car leaves while the cloud decides', async () => {
    const r = rig('entry');
    let release!: () => void;
    const gateOpen = new Promise<void>((resolve) => {
      release = resolve;
    });
    const original = r.authorizer.authorize.bind(r.authorizer);
    r.authorizer.authorize = async (c) => {
      await gateOpen;
      return original(c);
    };
    r.arrival.set(true);
    r.plates.read('12가3456');
    await vi.advanceTimersByTimeAsync(0);
    r.arrival.set(false);
    release();
    await r.settle();
    expect(r.recorder.types()).toEqual(['EntryAborted']);
    expect(r.barrier.commands).toEqual([]);
    expect(r.gate.state).toBe('idle');
  });

  it('never lowers the arm on a vehicle under it, and reverses if one drives under while closing', async () => {
    const r = rig('entry');
    r.arrival.set(true);
    r.plates.read('12가3456');
    await r.settle(1000);
    r.passage.set(true);
    r.arrival.set(false);
    await r.settle(25_000);
    // The passage timeout passed with a car under the arm: still open, no EntryAborted.
    expect(r.barrier.commands).toEqual(['open']);
    expect(r.recorder.types()).toEqual([]);
    r.passage.set(false);
    await r.settle();
    expect(r.recorder.types()).toEqual(['Started']);
    expect(r.barrier.commands).toEqual(['open', 'close']);
    r.passage.set(true); // a tailgater while the arm comes down
    await r.settle();
    expect(r.barrier.commands).toEqual(['open', 'close', 'open']);
    expect(r.recorder.types()).toEqual(['Started', 'Tailgating']);
    r.passage.set(false);
    await r.settle(1000);
    expect(r.barrier.commands).toEqual(['open', 'close', 'open', 'close']);
    expect(r.gate.state).toBe('idle');
  });

  it('reports a tailgater once when it drives under while the Started is still being committed', async () => {
    const r = rig('entry');
    r.arrival.set(true);
    r.plates.read('12가3456');
    await r.settle(1000);
    // A disk busy writing back: each commit takes 300 ms, and the next car is under the arm by then.
    r.recorder.commitMs = 300;
    r.passage.set(true);
    r.arrival.set(false);
    r.passage.set(false);
    await vi.advanceTimersByTimeAsync(125);
    r.passage.set(true);
    await r.settle(1000);
    expect(r.recorder.types()).toEqual(['Started', 'Tailgating']);
    // The arm was never brought down on it.
    expect(r.barrier.commands).toEqual(['open']);
    r.passage.set(false);
    await r.settle(1000);
    expect(r.barrier.commands).toEqual(['open', 'close']);
    expect(r.recorder.types()).toEqual(['Started', 'Tailgating']);
    expect(r.gate.state).toBe('idle');
  });

  it('raises barrier_not_closed when the arm never reports closed, and clears it once it does', async () => {
    const r = rig('entry');
    r.barrier.jam();
    r.arrival.set(true);
    r.plates.read('12가3456');
    await r.settle(1000);
    r.passage.set(true);
    r.arrival.set(false);
    r.passage.set(false);
    await r.settle(5_000);
    expect(r.gate.snapshot().alarms).toEqual(['barrier_not_closed']);
    expect(r.gate.state).toBe('closing');
    r.barrier.jam(false);
    await r.settle(5_000 + 1000);
    expect(r.gate.snapshot().alarms).toEqual([]);
    expect(r.gate.state).toBe('idle');
  });

  it('exit: opens on a read without asking the cloud and records Ended after the passage', async () => {
    const r = rig('exit', { authorizer: undefined });
    r.arrival.set(true);
    r.plates.read('12가3456');
    await r.settle();
    expect(r.barrier.commands).toEqual(['open']);
    r.passage.set(true);
    r.arrival.set(false);
    r.passage.set(false);
    await r.settle();
    expect(r.recorder.events).toEqual([{ type: 'Ended', credential: { kind: 'plate', value: '12가3456' } }]);
  });

  it('exit: lets an unidentified vehicle out after the timeout and reports it', async () => {
    const r = rig('exit', { authorizer: undefined });
    r.arrival.set(true);
    await r.settle(10_000);
    expect(r.barrier.commands).toEqual(['open']);
    r.passage.set(true);
    r.passage.set(false);
    await r.settle();
    expect(r.recorder.types()).toEqual(['ExitUnidentified']);
  });

  it('works without loops: the read starts the cycle and passage is assumed after a while', async () => {
    const r = rig('entry', { arrival: undefined, passage: undefined, timing: { assumedPassageMs: 3000 } });
    r.plates.read('12가3456');
    await r.settle();
    expect(r.barrier.commands).toEqual(['open']);
    await r.settle(3000);
    expect(r.recorder.types()).toEqual(['Started']);
    expect(r.barrier.commands).toEqual(['open', 'close']);
  });

  it('operator commands: open lets one vehicle through, hold_open holds, release closes', async () => {
    const r = rig('entry');
    await r.gate.command('open', 'operator', 'cmd-1', 'visitor');
    expect(r.barrier.commands).toEqual(['open']);
    r.passage.set(true);
    r.passage.set(false);
    await r.settle();
    expect(r.recorder.types()).toEqual(['ManualOpen', 'ManualPassage']);
    await r.settle(1000);
    await r.gate.command('hold_open', 'operator', 'cmd-2');
    await r.settle(60_000);
    expect(r.gate.state).toBe('held_open');
    expect(r.barrier.position).toBe('open');
    await r.gate.command('release', 'operator', 'cmd-3');
    await r.settle(1000);
    expect(r.barrier.position).toBe('closed');
    expect(r.recorder.types()).toEqual(['ManualOpen', 'ManualPassage', 'ManualHoldOpen', 'ManualRelease']);
  });

  it('refuses to build an entry gate without an authorizer', () => {
    expect(() => rig('entry', { authorizer: undefined })).toThrow(/authorizer/);
  });

  it('brings an arm left up by a previous run down at start, but not onto a car', async () => {
    const r = rig('entry', { timing: { startupSettleMs: 500 } });
    r.barrier.position = 'unknown';
    r.passage.set(true);
    await r.settle(500);
    expect(r.barrier.commands).toEqual([]);
    expect(r.gate.state).toBe('closing');
    r.passage.set(false);
    await r.settle(1000);
    expect(r.barrier.commands).toEqual(['close']);
    expect(r.barrier.position).toBe('closed');
    expect(r.gate.state).toBe('idle');
  });

  it('closes and raises outbox_write_failed when an event cannot be committed', async () => {
    const r = rig('entry');
    r.recorder.failing.add('Started');
    r.arrival.set(true);
    r.plates.read('12가3456');
    await r.settle(1000);
    r.passage.set(true);
    r.arrival.set(false);
    r.passage.set(false);
    await r.settle(1000);
    expect(r.barrier.position).toBe('closed');
    expect(r.gate.state).toBe('idle');
    expect(r.gate.snapshot().alarms).toContain('outbox_write_failed');
    // The next event that commits clears the alarm.
    r.recorder.failing.clear();
    r.arrival.set(true);
    r.plates.read('34나5678');
    await r.settle(1000);
    r.passage.set(true);
    r.arrival.set(false);
    r.passage.set(false);
    await r.settle();
    expect(r.recorder.types()).toEqual(['Started']);
    expect(r.gate.snapshot().alarms).not.toContain('outbox_write_failed');
  });

  it('without an arrival loop, a block lapses instead of lasting forever', async () => {
    const r = rig('entry', { arrival: undefined, timing: { maxAttempts: 1, credentialTimeoutMs: 10_000 } });
    r.authorizer.decide = (c) => (c.value === 'AAA111' ? 'no_reservation' : 'allow');
    r.plates.read('AAA111');
    await r.settle();
    expect(r.gate.state).toBe('blocked');
    await r.settle(10_000);
    expect(r.gate.state).toBe('idle');
    r.plates.read('BBB222');
    await r.settle();
    expect(r.barrier.commands).toEqual(['open']);
  });

  it('records EntryAborted by requestId when it denied before the cloud could answer', async () => {
    const r = rig('entry');
    r.authorizer.authorize = async () => ({
      allow: false,
      requestId: 'req-9',
      reason: 'cloud_timeout',
      cloudMayHaveAllowed: true,
    });
    r.arrival.set(true);
    r.plates.read('12가3456');
    await r.settle();
    expect(r.recorder.events.map((e) => [e.type, e.requestId])).toEqual([
      ['Denied', 'req-9'],
      ['EntryAborted', 'req-9'],
    ]);
  });

  it('keeps a read of the next car taken while this one goes through', async () => {
    const r = rig('exit', { authorizer: undefined });
    r.arrival.set(true);
    r.plates.read('11가1111');
    await r.settle(1000);
    r.passage.set(true);
    r.arrival.set(false);
    r.plates.read('22나2222'); // the next car, read while the first is under the arm
    r.passage.set(false);
    await r.settle();
    r.arrival.set(true);
    await r.settle(1000);
    r.passage.set(true);
    r.arrival.set(false);
    r.passage.set(false);
    await r.settle(1000);
    expect(r.recorder.events.map((e) => [e.type, e.credential?.value])).toEqual([
      ['Ended', '11가1111'],
      ['Ended', '22나2222'],
    ]);
  });

  it('an operator open during a passage keeps the car admitted; release with nothing held is refused', async () => {
    const r = rig('entry');
    r.arrival.set(true);
    r.plates.read('12가3456');
    await r.settle(1000);
    expect(await r.gate.command('open', 'ops', 'c1', 'x'.repeat(150))).toBeNull();
    r.passage.set(true);
    r.arrival.set(false);
    r.passage.set(false);
    await r.settle();
    expect(r.recorder.types()).toEqual(['ManualOpen', 'Started']);
    expect(r.recorder.events[0]!.detail).toMatchObject({
      commandId: 'c1',
      by: 'ops',
      reason: 'x'.repeat(150),
    });
    await r.settle(1000);
    expect(await r.gate.command('release', 'ops', 'c2')).toBe('the barrier is not being held open');
  });

  it("hold_open during a passage releases the car's admission first", async () => {
    const r = rig('entry');
    r.arrival.set(true);
    r.plates.read('12가3456');
    await r.settle(1000);
    await r.gate.command('hold_open', 'ops', 'c3');
    expect(r.recorder.types()).toEqual(['ManualHoldOpen', 'EntryAborted']);
    expect(r.recorder.events[1]).toMatchObject({ reservationId: 'res-12가3456' });
    expect(r.gate.state).toBe('held_open');
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../testing/fakes.js';
import { Outbox } from './store.js';

describe('outbox store', () => {
  let dir: string;
  let file: string;
  const clock = new ManualClock();
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parkinglot-outbox-'));
    file = join(dir, 'outbox.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('commits with synchronous=FULL and keeps events, in order, across a reopen', async () => {
    const outbox = await Outbox.open({ filename: file, clock });
    expect(await outbox.synchronousMode()).toBe(2);
    await outbox.append({
      type: 'Started',
      credential: { kind: 'plate', value: '12가3456' },
      reservationId: 'res_1',
    });
    await outbox.append({
      type: 'Denied',
      credential: { kind: 'plate', value: 'ZZ1' },
      reason: 'no_reservation',
    });
    await outbox.append({ type: 'Ended', credential: { kind: 'plate', value: '12가3456' } });
    await outbox.close();

    const again = await Outbox.open({ filename: file, clock });
    expect(again.depth).toBe(3);
    const events = await again.peek(10);
    expect(events.map((e) => e.type)).toEqual(['Started', 'Denied', 'Ended']);
    expect(events[0]).toMatchObject({
      eventId: expect.stringMatching(/^evt_/),
      credential: { value: '12가3456' },
      at: expect.any(String),
    });
    await again.close();
  });

  it('deletes only acked events and moves rejected ones to dead letters', async () => {
    const outbox = await Outbox.open({ filename: file, clock });
    const a = await outbox.append({ type: 'Started', credential: { kind: 'plate', value: 'A1' } });
    const b = await outbox.append({ type: 'Weird', reason: 'x' });
    const c = await outbox.append({ type: 'Ended', credential: { kind: 'plate', value: 'A1' } });
    const depths: number[] = [];
    outbox.onDepthChange((d) => depths.push(d));
    expect(await outbox.ack([a.eventId, 'evt_unknown'])).toBe(1);
    expect(await outbox.deadLetter([{ eventId: b.eventId, error: 'type: invalid' }])).toBe(1);
    expect((await outbox.peek(10)).map((e) => e.eventId)).toEqual([c.eventId]);
    expect(await outbox.deadLetters()).toEqual([{ eventId: b.eventId, error: 'type: invalid', event: b }]);
    expect(outbox.depth).toBe(1);
    expect(depths).toEqual([2, 1]);
    await outbox.close();
  });

  it('when full, evicts the oldest droppable event and never a Started, Ended or EntryAborted', async () => {
    const outbox = await Outbox.open({ filename: file, clock, maxEvents: 3 });
    await outbox.append({ type: 'Denied', reason: 'first' });
    await outbox.append({ type: 'Started', credential: { kind: 'plate', value: 'S1' } });
    await outbox.append({ type: 'Denied', reason: 'second' });
    await outbox.append({ type: 'Ended', credential: { kind: 'plate', value: 'S1' } });
    expect((await outbox.peek(10)).map((e) => e.reason ?? e.type)).toEqual(['Started', 'second', 'Ended']);
    expect(outbox.stats.evicted).toBe(1);
    await outbox.append({ type: 'EntryAborted', reservationId: 'r' });
    await outbox.append({ type: 'Started', credential: { kind: 'plate', value: 'S2' } });
    // Nothing droppable left: it grows past its bound and says so.
    expect((await outbox.peek(10)).map((e) => e.type)).toEqual([
      'Started',
      'Ended',
      'EntryAborted',
      'Started',
    ]);
    expect(outbox.depth).toBe(4);
    expect(outbox.full).toBe(true);
    await outbox.close();
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../testing/fakes.js';
import { Outbox, RETRY_WRITE_MS } from './store.js';

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

describe('outbox on a disk that refuses writes', () => {
  let dir: string;
  const clock = new ManualClock();
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parkinglot-outbox-full-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const started = (n: number) => ({
    type: 'Started' as const,
    credential: { kind: 'plate' as const, value: `12가${1000 + n}` },
    reservationId: `res_${n}`,
  });

  it('holds what the disk refuses, sends it in order, and writes it once the disk takes it', async () => {
    const failures: unknown[] = [];
    const outbox = await Outbox.open({
      filename: join(dir, 'outbox.sqlite'),
      clock,
      onWriteFailed: (error) => failures.push(error),
    });
    await outbox.append(started(0));
    await outbox.capFile(true);
    // Enough to need a new page: sqlite refuses with SQLITE_FULL.
    for (let i = 1; i <= 40; i++) await outbox.append(started(i));
    expect(failures.length).toBeGreaterThan(0);
    expect(String(failures[0])).toMatch(/SQLITE_FULL/);
    expect(outbox.unwritten).toBeGreaterThan(0);
    expect(outbox.depth).toBe(41);
    const sent = await outbox.peek(100);
    expect(sent.map((e) => e.reservationId)).toEqual(Array.from({ length: 41 }, (_, i) => `res_${i}`));

    // Two of them are acked while the disk is still full (sent from memory).
    await outbox.ack([sent[0]!.eventId, sent[40]!.eventId]);
    expect(outbox.depth).toBe(39);
    clock.advance(RETRY_WRITE_MS);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(outbox.unwritten).toBeGreaterThan(0);

    await outbox.capFile(false);
    clock.advance(RETRY_WRITE_MS);
    for (let i = 0; i < 100 && outbox.unwritten > 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(outbox.unwritten).toBe(0);
    await outbox.close();
    const again = await Outbox.open({ filename: join(dir, 'outbox.sqlite'), clock });
    expect((await again.peek(100)).map((e) => e.reservationId)).toEqual(
      Array.from({ length: 39 }, (_, i) => `res_${i + 1}`),
    );
    await again.close();
  });

  it('sets aside a held event the cloud rejects, so it is never sent again', async () => {
    const outbox = await Outbox.open({ filename: join(dir, 'outbox.sqlite'), clock });
    await outbox.capFile(true);
    for (let i = 0; i < 40; i++) await outbox.append(started(i));
    const sent = await outbox.peek(100);
    const last = sent.at(-1)!;
    expect(outbox.unwritten).toBeGreaterThan(0);
    expect(await outbox.deadLetter([{ eventId: last.eventId, error: 'invalid' }])).toBe(1);
    expect((await outbox.peek(100)).map((e) => e.eventId)).not.toContain(last.eventId);
    expect(outbox.depth).toBe(39);
    await outbox.capFile(false);
    await outbox.close();
    const again = await Outbox.open({ filename: join(dir, 'outbox.sqlite'), clock });
    expect((await again.deadLetters()).map((d) => d.eventId)).toEqual([last.eventId]);
    expect(again.depth).toBe(39);
    await again.close();
  });

  it('counts what is still held when it closes on a disk that stays full', async () => {
    const outbox = await Outbox.open({ filename: join(dir, 'outbox.sqlite'), clock });
    await outbox.capFile(true);
    for (let i = 0; i < 40; i++) await outbox.append(started(i));
    const held = outbox.unwritten;
    expect(held).toBeGreaterThan(0);
    await outbox.close();
    expect(outbox.stats.lostAtClose).toBe(held);
  });
});

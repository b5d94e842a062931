import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@parkinglot/platform/log';
import { topics } from '@parkinglot/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeMqtt, ManualClock } from '../testing/fakes.js';
import { OutboxDeliverer } from './deliverer.js';
import { Outbox } from './store.js';

const gateId = 'gate_a';

describe('outbox delivery', () => {
  let dir: string;
  let outbox: Outbox;
  let mqtt: FakeMqtt;
  let clock: ManualClock;
  let deliverer: OutboxDeliverer;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parkinglot-deliver-'));
    clock = new ManualClock();
    outbox = await Outbox.open({ filename: join(dir, 'o.sqlite'), clock });
    mqtt = new FakeMqtt();
    deliverer = new OutboxDeliverer({
      gateId,
      outbox,
      mqtt,
      clock,
      log: createLogger('test', 'silent'),
      batchSize: 2,
      ackTimeoutMs: 5000,
      retryMs: 1000,
    });
  });
  afterEach(async () => {
    await deliverer.stop();
    await outbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const sent = () =>
    mqtt.published.filter((p) => p.topic === topics.events(gateId)).map((p) => JSON.parse(p.payload));
  const idsOf = (payload: { events?: { eventId: string }[]; eventId?: string }) =>
    payload.events ? payload.events.map((e) => e.eventId) : [payload.eventId];
  const ackLast = async () => {
    const last = sent().at(-1);
    await mqtt.deliver(topics.eventsAck(gateId), { eventIds: idsOf(last) });
  };

  it('sends in order, in batches, one batch in flight, and deletes only on events/ack', async () => {
    mqtt.isConnected = false;
    await deliverer.start();
    for (const plate of ['A1', 'A2', 'A3'])
      await outbox.append({ type: 'Started', credential: { kind: 'plate', value: plate } });
    expect(sent()).toHaveLength(0);

    mqtt.isConnected = true;
    deliverer.kick();
    await waitFor(() => sent().length === 1);
    expect(sent()[0].events.map((e: { credential: { value: string } }) => e.credential.value)).toEqual([
      'A1',
      'A2',
    ]);
    expect(outbox.depth).toBe(3);
    await ackLast();
    await waitFor(() => sent().length === 2);
    // Always the batch form, with the gate's clock at sending (the cloud reads how far it is off).
    expect(sent()[1]).toMatchObject({
      events: [{ type: 'Started', credential: { value: 'A3' } }],
      sentAt: new Date(clock.now()).toISOString(),
    });
    await ackLast();
    await deliverer.idle();
    expect(outbox.depth).toBe(0);
  });

  it('resends a batch whose ack does not come, and the cloud applies it once', async () => {
    await deliverer.start();
    await outbox.append({ type: 'Ended', credential: { kind: 'plate', value: 'B1' } });
    await waitFor(() => sent().length === 1);
    clock.advance(5000);
    await deliverer.idle();
    expect(outbox.depth).toBe(1);
    expect(sent()).toHaveLength(1);
    clock.advance(1000);
    await waitFor(() => sent().length === 2);
    expect(idsOf(sent()[1])).toEqual(idsOf(sent()[0]));
    await ackLast();
    await waitFor(() => outbox.depth === 0);
    expect(deliverer.stats.resends).toBe(1);
  });

  it('sets rejected events aside and halves the batch when the cloud says it is too large', async () => {
    await deliverer.start();
    const a = await outbox.append({ type: 'Denied', reason: 'x' });
    await outbox.append({ type: 'Denied', reason: 'y' });
    await waitFor(() => sent().length === 1);
    const ids = idsOf(sent()[0]);
    await mqtt.deliver(topics.eventsAck(gateId), {
      eventIds: [],
      rejected: ids.map((eventId) => ({ eventId, error: 'batch_too_large: at most 256 events' })),
    });
    await waitFor(() => sent().length === 2);
    expect(sent()[1].events.map((e: { eventId: string }) => e.eventId)).toEqual([a.eventId]);
    await mqtt.deliver(topics.eventsAck(gateId), {
      eventIds: [],
      rejected: [{ eventId: a.eventId, error: 'type: bad' }],
    });
    await waitFor(() => sent().length === 3);
    await ackLast();
    await waitFor(() => outbox.depth === 0);
    expect((await outbox.deadLetters()).map((d) => d.eventId)).toEqual([a.eventId]);
  });

  it('ignores a malformed ack', async () => {
    await deliverer.start();
    await mqtt.deliver(topics.eventsAck(gateId), '{"eventIds": "all"}');
    await mqtt.deliver(topics.eventsAck(gateId), 'garbage');
    expect(deliverer.stats.acksIgnored).toBe(2);
  });
});

/** Waits for real I/O (sqlite) to reach a state; bounded, never a fixed sleep. */
async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('outbox delivery when things break', () => {
  it('keeps trying after the outbox fails to read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parkinglot-deliver-'));
    const clock = new ManualClock();
    const outbox = await Outbox.open({ filename: join(dir, 'o.sqlite'), clock });
    const mqtt = new FakeMqtt();
    const deliverer = new OutboxDeliverer({
      gateId,
      outbox,
      mqtt,
      clock,
      log: createLogger('test', 'silent'),
      retryMs: 1000,
    });
    const peek = outbox.peek.bind(outbox);
    let failures = 1;
    outbox.peek = async (limit) => {
      if (failures-- > 0) throw new Error('SQLITE_IOERR');
      return peek(limit);
    };
    await outbox.append({ type: 'Ended', credential: { kind: 'plate', value: 'C1' } });
    await deliverer.start();
    await deliverer.idle();
    expect(mqtt.published).toHaveLength(0);
    clock.advance(1000);
    await waitFor(() => mqtt.published.length === 1);
    await deliverer.stop();
    await outbox.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

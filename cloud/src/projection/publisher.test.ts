import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { domainContext } from '../../test/support/domain.js';
import { getCheckpoint } from '../domain/event-log.js';
import { addSpace, registerFacility } from '../domain/facilities.js';
import { EventPublisher, type EventSink, PUBLISHER_CHECKPOINT } from './publisher.js';

/** Like a real link: once it drops, every publish fails until it is connected again. */
class FakeSink implements EventSink {
  isConnected = true;
  /** Publishes that succeed before the link drops; null: never drops. */
  dropAfter: number | null = null;
  readonly sent: { topic: string; seq: number }[] = [];

  async publish(topic: string, payload: string): Promise<void> {
    if (this.dropAfter !== null && this.dropAfter-- <= 0) {
      this.isConnected = false;
      throw new Error('link dropped');
    }
    this.sent.push({ topic, seq: JSON.parse(payload).seq });
  }
}

describe('domain event publisher', () => {
  let env: Awaited<ReturnType<typeof domainContext>>;
  beforeEach(async () => {
    env = await domainContext();
  });
  afterEach(async () => env.close());

  const publisher = (sink: EventSink) =>
    new EventPublisher({
      db: env.ctx.db,
      bus: env.ctx.bus,
      clock: env.ctx.clock,
      log: env.ctx.log,
      sink,
      batchSize: 3,
    });

  it('sends the log in order, resumes after a failure, and resumes from its checkpoint after a restart', async () => {
    const facility = await registerFacility(env.ctx, { name: 'F' });
    for (let i = 0; i < 4; i++) await addSpace(env.ctx, facility.id, { label: `S${i}`, floor: '1' });

    const sink = new FakeSink();
    sink.isConnected = false;
    const first = publisher(sink);
    expect(await first.flush()).toBe(0);
    expect(await getCheckpoint(env.ctx.db, PUBLISHER_CHECKPOINT)).toBe(0);

    sink.isConnected = true;
    sink.dropAfter = 1;
    await first.flush();
    // The batch did not complete: its checkpoint did not move, and the pass stopped at the drop.
    expect(sink.sent.map((s) => s.seq)).toEqual([1]);
    expect(await getCheckpoint(env.ctx.db, PUBLISHER_CHECKPOINT)).toBe(0);
    sink.dropAfter = null;
    sink.isConnected = true;
    first.start();
    await first.flush();
    // At least once: seq 1 goes again after the reconnect, and subscribers drop it by seq.
    expect(sink.sent.map((s) => s.seq)).toEqual([1, 1, 2, 3, 4, 5]);
    expect(await getCheckpoint(env.ctx.db, PUBLISHER_CHECKPOINT)).toBe(5);
    expect(sink.sent[0]!.topic).toBe('parking/events/FacilityRegistered');
    expect(sink.sent[2]!.topic).toBe('parking/events/SpaceAdded');
    await first.stop();

    // "Restart": a new publisher over the same database sends only what came after.
    await addSpace(env.ctx, facility.id, { label: 'S9', floor: '2' });
    const second = publisher(sink);
    second.start();
    await second.flush();
    expect(sink.sent.map((s) => s.seq)).toEqual([1, 1, 2, 3, 4, 5, 6]);
    // Live: a commit while it runs is sent without a flush from outside.
    await addSpace(env.ctx, facility.id, { label: 'S10', floor: '2' });
    await second.stop();
    expect(sink.sent.map((s) => s.seq)).toEqual([1, 1, 2, 3, 4, 5, 6, 7]);
  });
});

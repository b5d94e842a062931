/**
 * The event feed on a real sqlite file: this process's commits go on the bus at once and in order,
 * and a feed that cannot read the log never fails a commit that has been made.
 */
import type { DomainEvent } from '@parkinglot/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { domainContext } from '../../test/support/domain.js';
import { EventFeed } from './event-feed.js';
import { registerFacility } from './facilities.js';

describe('EventFeed', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  it('puts a commit on the bus before it returns, in sequence order', async () => {
    const d = await domainContext();
    close = d.close;
    const feed = new EventFeed({ db: d.ctx.db, bus: d.ctx.bus, log: d.ctx.log, clock: d.ctx.clock });
    await feed.start();
    const heard: DomainEvent[] = [];
    d.ctx.bus.on('eventsAppended', ({ events }) => {
      heard.push(...events);
    });
    const ctx = { ...d.ctx, feed };
    await registerFacility(ctx, { name: 'One' });
    expect(heard.map((e) => e.type)).toEqual(['FacilityRegistered']);
    await Promise.all([registerFacility(ctx, { name: 'Two' }), registerFacility(ctx, { name: 'Three' })]);
    expect(heard.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(feed.seq).toBe(3);
  });

  it('lets a commit succeed when the events in between cannot be read, and hears them later', async () => {
    const d = await domainContext();
    close = d.close;
    const feed = new EventFeed({ db: d.ctx.db, bus: d.ctx.bus, log: d.ctx.log, clock: d.ctx.clock });
    await feed.start();
    const heard: number[] = [];
    d.ctx.bus.on('eventsAppended', ({ events }) => {
      heard.push(...events.map((e) => e.seq));
    });
    // Another writer's event (seq 1) that this feed has not heard of: its own commit (seq 2) leaves a gap.
    await registerFacility(d.ctx, { name: 'Elsewhere' });
    const reads = { failing: true };
    // Its reads of the log fail, as with a database gone away, until told otherwise.
    const internals = feed as unknown as { readNew(): Promise<number> };
    const original = internals.readNew.bind(feed);
    internals.readNew = async () => {
      if (reads.failing) throw new Error('the database went away');
      return original();
    };
    const made = await registerFacility({ ...d.ctx, feed }, { name: 'Here' });
    expect(made.name).toBe('Here');
    expect(heard.filter((seq) => seq > 1)).toEqual([]);
    reads.failing = false;
    feed.wake();
    await feed.stop();
    expect(heard.filter((seq) => seq > 1)).toEqual([2]);
  });
});

import { describe, expect, it } from 'vitest';
import { type Lane, Mutex } from './mutex.js';

describe('Mutex', () => {
  it('lets one holder in at a time, in arrival order', async () => {
    const mutex = new Mutex();
    const order: string[] = [];
    const worker = async (name: string) => {
      await mutex.lock();
      order.push(`${name}+`);
      await new Promise((resolve) => setTimeout(resolve, 2));
      order.push(`${name}-`);
      mutex.unlock();
    };
    await Promise.all([worker('a'), worker('b'), worker('c')]);
    expect(order).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
    expect(mutex.isLocked).toBe(false);
  });

  it('hands the lock to a waiter rather than to a later arrival', async () => {
    const mutex = new Mutex();
    await mutex.lock();
    const got: string[] = [];
    const waiter = mutex.lock().then(() => got.push('waiter'));
    mutex.unlock();
    // Arrives after the unlock but before the waiter's continuation has run.
    const late = mutex.lock().then(() => got.push('late'));
    await waiter;
    expect(got).toEqual(['waiter']);
    mutex.unlock();
    await late;
    expect(got).toEqual(['waiter', 'late']);
  });

  it('refuses an unlock without a lock', () => {
    expect(() => new Mutex().unlock()).toThrow(/not locked/);
  });
});

describe('Mutex lanes', () => {
  /** Takes the lock, queues the given waiters in order, and records the order they are served in. */
  async function served(mutex: Mutex, queue: [string, Lane][]): Promise<string[]> {
    await mutex.lock();
    const order: string[] = [];
    const done = queue.map(([name, lane]) =>
      mutex.lock(lane).then(() => {
        order.push(name);
        mutex.unlock();
      }),
    );
    mutex.unlock();
    await Promise.all(done);
    return order;
  }

  it('serves the most urgent lane first, each lane in arrival order', async () => {
    const order = await served(new Mutex(), [
      ['projector', 'background'],
      ['reserve-1', 'normal'],
      ['allow-1', 'urgent'],
      ['reserve-2', 'normal'],
      ['allow-2', 'urgent'],
    ]);
    expect(order).toEqual(['allow-1', 'allow-2', 'reserve-1', 'reserve-2', 'projector']);
  });

  it('serves urgent work first, then a waiter that has waited its limit before newer ones of the other lane', async () => {
    let now = 0;
    const mutex = new Mutex({ maxWaitMs: 250, now: () => now });
    await mutex.lock();
    const order: string[] = [];
    const take = (name: string, lane: Lane) =>
      mutex.lock(lane).then(() => {
        order.push(name);
        mutex.unlock();
      });
    const queued = [take('projector', 'background')];
    now = 100;
    queued.push(take('reserve', 'normal'), take('allow', 'urgent'));
    queued.push(take('reserve 2', 'normal'));
    // At 300 ms only the projector has waited 250 ms: after the allow it goes before the requests.
    now = 300;
    mutex.unlock();
    await Promise.all(queued);
    expect(order).toEqual(['allow', 'projector', 'reserve', 'reserve 2']);
  });

  it('counts its waiters per lane', async () => {
    const mutex = new Mutex();
    await mutex.lock();
    const queued = [mutex.lock('urgent'), mutex.lock('background'), mutex.lock('background')];
    expect(mutex.waiting).toEqual({ urgent: 1, normal: 0, background: 2 });
    for (let i = 0; i <= queued.length; i++) {
      mutex.unlock();
      await queued[i];
    }
    expect(mutex.isLocked).toBe(false);
  });
});

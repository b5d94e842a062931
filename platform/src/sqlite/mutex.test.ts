import { describe, expect, it } from 'vitest';
import { Mutex } from './mutex.js';

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

/**
 * A FIFO lock. Unlock hands the lock straight to the next waiter instead of freeing it, so a caller that
 * arrives in between cannot jump the queue and a long line of transactions is served in arrival order.
 */
export class Mutex {
  #locked = false;
  readonly #waiters: Array<() => void> = [];

  get isLocked(): boolean {
    return this.#locked;
  }

  async lock(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return;
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  unlock(): void {
    // A second unlock would silently let two holders in; fail loudly so the bug is found.
    if (!this.#locked) throw new Error('Mutex.unlock() called while not locked');
    const next = this.#waiters.shift();
    if (next) next();
    else this.#locked = false;
  }
}

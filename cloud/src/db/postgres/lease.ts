/**
 * The leader's lease on PostgreSQL: a session-level advisory lock held on a connection of its own.
 * Work that must happen once (the schedule projector, the publisher to `parking/events/*`, the hold
 * sweeper) runs only while it is held. The server releases the lock when the session ends, so a
 * leader that dies (kill -9, a lost host: session.ts bounds how long that takes to notice) hands over
 * to the next instance that tries, within one `checkMs`.
 *
 * A leader checks its session every `checkMs`; if the check fails it stops leading at once, before
 * the server may give the lock to another, and tries again on a new connection.
 */
import type { Logger } from '@parkinglot/platform/log';
import { type Clock, SerialRunner } from '@parkinglot/platform/time';
import type pg from 'pg';
import type { Lease } from '../lease.js';
import { endQuietly, sessionClient } from './session.js';

/** pg_try_advisory_lock(classid, objid): ours is 'PL' and 1. */
const LOCK = { classid: 0x504c, objid: 1 };

export interface AdvisoryLeaseOptions {
  url: string;
  log: Logger;
  clock: Clock;
  onChange: (held: boolean) => void;
  /** How often a follower asks for the lock and a leader checks its session. */
  checkMs?: number;
}

export const LEASE_CHECK_MS = 2_000;

export class AdvisoryLease implements Lease {
  private client: pg.Client | null = null;
  private handle: unknown = null;
  private readonly runner: SerialRunner;
  private stopped = true;
  held = false;

  constructor(private readonly deps: AdvisoryLeaseOptions) {
    this.runner = new SerialRunner(() => this.tick(), deps.log);
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.handle = this.deps.clock.setInterval(() => this.runner.kick(), this.deps.checkMs ?? LEASE_CHECK_MS);
    await this.runner.run().catch(() => undefined);
  }

  /** Releases the lock (the next instance takes over within one check) and closes the session. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.handle) this.deps.clock.clearInterval(this.handle);
    this.handle = null;
    await this.runner.idle();
    const client = this.client;
    this.client = null;
    if (client && this.held) {
      await client
        .query('select pg_advisory_unlock($1, $2)', [LOCK.classid, LOCK.objid])
        .catch(() => undefined);
    }
    this.setHeld(false);
    await endQuietly(client);
  }

  private setHeld(held: boolean): void {
    if (this.held === held) return;
    this.held = held;
    this.deps.log.info(held ? 'leading: this instance runs the once-only work' : 'no longer leading');
    this.deps.onChange(held);
  }

  private lose(client: pg.Client, why: string): void {
    if (this.client !== client) return;
    this.client = null;
    if (this.held) this.deps.log.warn(`leader lease lost (${why})`);
    this.setHeld(false);
    void endQuietly(client);
  }

  private async tick(): Promise<number> {
    if (this.stopped) return 0;
    const checkMs = this.deps.checkMs ?? LEASE_CHECK_MS;
    let client = this.client;
    if (!client) {
      const fresh = sessionClient(this.deps.url, 'parkinglot-cloud-lease', checkMs);
      fresh.on('error', (error) => this.lose(fresh, error.message));
      fresh.on('end', () => this.lose(fresh, 'connection ended'));
      try {
        await fresh.connect();
      } catch (error) {
        await endQuietly(fresh);
        this.deps.log.debug(() => `leader lease: cannot connect (${(error as Error).message})`);
        return 0;
      }
      if (this.stopped) {
        await endQuietly(fresh);
        return 0;
      }
      this.client = client = fresh;
    }
    try {
      if (this.held) {
        await client.query('select 1');
      } else {
        const { rows } = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1, $2) as ok', [
          LOCK.classid,
          LOCK.objid,
        ]);
        if (rows[0]?.ok && !this.stopped) this.setHeld(true);
      }
    } catch (error) {
      this.lose(client, (error as Error).message);
    }
    return 0;
  }
}

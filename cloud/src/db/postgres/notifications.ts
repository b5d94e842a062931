/**
 * Wake-ups from other instances: LISTEN parkinglot_events, which the event log's head row sends at
 * every commit that appends (migration 004). A notification only says "read the log": a lost one
 * costs latency, not events, because the feed reads from its own position. After every
 * (re)connect it wakes the feed too, which catches up on whatever was committed while it was away.
 */
import type { Logger } from '@parkinglot/platform/log';
import type { Clock } from '@parkinglot/platform/time';
import type pg from 'pg';
import { endQuietly, sessionClient } from './session.js';

export const EVENTS_CHANNEL = 'parkinglot_events';

export interface NotificationOptions {
  url: string;
  log: Logger;
  clock: Clock;
  onWake: () => void;
  /** Between attempts to reconnect. */
  retryMs?: number;
}

export class PostgresWakeups {
  private client: pg.Client | null = null;
  private timer: unknown = null;
  private stopped = false;

  constructor(private readonly deps: NotificationOptions) {}

  /** Connects and listens; the first connection must succeed (the database was just migrated). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
    const client = this.client;
    this.client = null;
    await endQuietly(client);
  }

  private async connect(): Promise<void> {
    const client = sessionClient(this.deps.url, 'parkinglot-cloud-listen', 5_000);
    client.on('notification', () => this.deps.onWake());
    const lost = (why: string) => {
      if (this.client !== client) return;
      this.client = null;
      void endQuietly(client);
      if (this.stopped) return;
      this.deps.log.warn(`event notifications lost (${why}); reconnecting`);
      this.retry();
    };
    client.on('error', (error) => lost(error.message));
    client.on('end', () => lost('connection ended'));
    try {
      await client.connect();
      await client.query(`listen ${EVENTS_CHANNEL}`);
    } catch (error) {
      await endQuietly(client);
      throw error;
    }
    if (this.stopped) {
      await endQuietly(client);
      return;
    }
    this.client = client;
    // Whatever was committed while no one listened.
    this.deps.onWake();
  }

  private retry(): void {
    if (this.stopped || this.timer) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = null;
      this.connect().catch((error: Error) => {
        this.deps.log.debug(() => `event notifications: reconnect failed (${error.message})`);
        this.retry();
      });
    }, this.deps.retryMs ?? 1_000);
  }
}

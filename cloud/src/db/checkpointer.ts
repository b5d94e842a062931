/**
 * WAL checkpoints off the gates' path. sqlite's own checkpoint runs inside whichever commit fills
 * the WAL past 1,000 pages, and it fsyncs the WAL and the database file even for a commit at
 * synchronous=NORMAL: an entry decision that happened to be that commit would wait for two fsyncs.
 * The database is opened with automatic checkpoints off (database.ts) and this feature checkpoints
 * every `intervalMs` in the background lane instead (PASSIVE: it never waits for readers).
 */
import type { Logger } from '@parkinglot/platform/log';
import { type Clock, SerialRunner } from '@parkinglot/platform/time';
import { type Kysely, sql } from 'kysely';

export const CHECKPOINT_INTERVAL_MS = 1_000;

export class WalCheckpointer {
  private handle: unknown = null;
  private readonly runner: SerialRunner;
  /** Checkpoints run, and WAL frames copied into the database by them. */
  readonly stats = { runs: 0, frames: 0 };

  constructor(
    private readonly deps: { db: Kysely<unknown>; clock: Clock; log: Logger; intervalMs?: number },
  ) {
    this.runner = new SerialRunner(() => this.checkpoint(), deps.log);
  }

  start(): void {
    if (this.handle) return;
    this.handle = this.deps.clock.setInterval(
      () => this.runner.kick(),
      this.deps.intervalMs ?? CHECKPOINT_INTERVAL_MS,
    );
  }

  async stop(): Promise<void> {
    if (this.handle) this.deps.clock.clearInterval(this.handle);
    this.handle = null;
    await this.runner.idle();
  }

  /** One checkpoint now; resolves with the frames it copied. */
  run(): Promise<number> {
    return this.runner.run();
  }

  private async checkpoint(): Promise<number> {
    const { rows } = await sql<{
      busy: number;
      log: number;
      checkpointed: number;
    }>`pragma wal_checkpoint(PASSIVE)`.execute(this.deps.db);
    const frames = Math.max(0, rows[0]?.checkpointed ?? 0);
    this.stats.runs += 1;
    this.stats.frames += frames;
    return frames;
  }
}

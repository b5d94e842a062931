/**
 * The schedule read model (CQRS): who holds which space and what is occupied, built only from the
 * event log. Each batch of events and the checkpoint after it commit together, so every event is
 * projected exactly once; a stopped projector leaves the write side untouched and catches up from
 * its checkpoint when it starts again.
 */

import type { Logger } from '@parkinglot/platform/log';
import type { Clock } from '@parkinglot/platform/time';
import { SerialRunner } from '@parkinglot/platform/time';
import type { DomainEvent } from '@parkinglot/shared';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { transact } from '../db/transact.js';
import type { EventBus } from '../domain/bus.js';
import { getCheckpoint, readEventsAfter, setCheckpoint } from '../domain/event-log.js';

export const SCHEDULE_CHECKPOINT = 'projection:schedule';

type D = Record<string, unknown>;
const s = (data: D, key: string) => (typeof data[key] === 'string' ? (data[key] as string) : null);

async function apply(trx: Transaction<Database>, event: DomainEvent): Promise<void> {
  const data = event.data as D;
  const free = {
    status: 'available' as const,
    reservation_id: null,
    member_id: null,
    plate: null,
    reserved_at: null,
    hold_until: null,
    session_id: null,
    occupied_since: null,
    last_seq: event.seq,
  };
  switch (event.type) {
    case 'SpaceAdded':
      await trx
        .insertInto('schedule_spaces')
        .values({
          ...free,
          space_id: event.aggregateId,
          facility_id: event.facilityId ?? '',
          label: s(data, 'label') ?? '',
          floor: s(data, 'floor') ?? '',
        })
        .onConflict((oc) => oc.column('space_id').doNothing())
        .execute();
      return;
    case 'SpaceRetired':
      // Out of use for good: the schedule shows the spaces a member can have.
      await trx.deleteFrom('schedule_spaces').where('space_id', '=', event.aggregateId).execute();
      return;
    case 'SpaceReserved':
      await trx
        .updateTable('schedule_spaces')
        .set({
          status: 'reserved',
          reservation_id: s(data, 'reservationId'),
          member_id: s(data, 'memberId'),
          plate: s(data, 'plate'),
          reserved_at: event.occurredAt,
          hold_until: s(data, 'holdUntil'),
          last_seq: event.seq,
        })
        .where('space_id', '=', s(data, 'spaceId') ?? '')
        .execute();
      return;
    case 'ReservationCanceled':
    case 'ReservationExpired':
      await trx
        .updateTable('schedule_spaces')
        .set(free)
        .where('reservation_id', '=', s(data, 'reservationId') ?? '')
        .execute();
      return;
    case 'ParkingStarted':
      if (!s(data, 'spaceId')) return;
      await trx
        .updateTable('schedule_spaces')
        .set({
          status: 'occupied',
          session_id: s(data, 'sessionId'),
          occupied_since: s(data, 'at'),
          last_seq: event.seq,
        })
        .where('space_id', '=', s(data, 'spaceId') ?? '')
        .execute();
      return;
    case 'ParkingEnded':
      if (!s(data, 'spaceId')) return;
      await trx
        .updateTable('schedule_spaces')
        .set(free)
        .where('space_id', '=', s(data, 'spaceId') ?? '')
        .where('session_id', '=', s(data, 'sessionId') ?? '')
        .execute();
      return;
    default:
      return;
  }
}

export interface ProjectorDeps {
  db: Kysely<Database>;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  batchSize?: number;
  /** True while an entry decision waits for the database: a pass commits what it has and lets it in. */
  yieldTo?: () => boolean;
}

export class ScheduleProjector {
  /** Transactions committed and events projected since start (a pass that yields commits in parts). */
  readonly stats = { transactions: 0, events: 0 };
  private readonly runner: SerialRunner;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly deps: ProjectorDeps) {
    this.runner = new SerialRunner(() => this.drain(), deps.log);
  }

  get running(): boolean {
    return this.unsubscribe !== null;
  }

  /** Starts following the event log: catches up now, then after every commit. */
  async start(): Promise<void> {
    if (this.unsubscribe) return;
    this.unsubscribe = this.deps.bus.on('eventsAppended', () => this.runner.kick());
    await this.runner.run();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.runner.idle();
  }

  /** Projects everything after the checkpoint; returns the number of events projected. */
  async catchUp(): Promise<number> {
    return this.runner.run();
  }

  /** Drops the read model and replays the whole log from sequence 0. */
  async rebuild(): Promise<number> {
    await this.runner.idle();
    await transact(this.deps.db, async (trx) => {
      await trx.deleteFrom('schedule_spaces').execute();
      await setCheckpoint(trx, SCHEDULE_CHECKPOINT, 0, this.deps.clock.now());
    });
    return this.runner.run();
  }

  private async drain(): Promise<number> {
    const { db, clock, log } = this.deps;
    const batchSize = this.deps.batchSize ?? 500;
    let total = 0;
    // Read once per run: only this projector moves its checkpoint.
    let from = await getCheckpoint(db, SCHEDULE_CHECKPOINT);
    for (;;) {
      const events = await readEventsAfter(db, from, batchSize);
      if (events.length === 0) return total;
      const applied = await transact(db, async (trx) => {
        let n = 0;
        while (n < events.length) {
          await apply(trx, events[n]!);
          n += 1;
          if (this.deps.yieldTo?.()) break;
        }
        await setCheckpoint(trx, SCHEDULE_CHECKPOINT, events[n - 1]!.seq, clock.now());
        return n;
      });
      from = events[applied - 1]!.seq;
      total += applied;
      this.stats.transactions += 1;
      this.stats.events += applied;
      log.debug(() => `projected ${applied} events up to seq ${from}`);
      // A short batch was the end of the log; whatever is committed later kicks another run.
      if (events.length < batchSize && applied === events.length) return total;
    }
  }
}

import type { Logger } from '@parkinglot/platform/log';
import type { Clock } from '@parkinglot/platform/time';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { DbLanes, LaneName } from '../db/types.js';
import type { BrokerAccounts } from '../mqtt/broker-accounts.js';
import type { AdmissionView } from './admission-view.js';
import type { EventBus } from './bus.js';
import type { EventFeed } from './event-feed.js';

export interface DomainSettings {
  /** How long a reservation holds its space before it expires unused (domain rule 7). */
  reservationHoldMs: number;
  /** How long an allowed entry waits for its Started before the reservation may be allowed again. */
  admissionWindowMs: number;
}

/** What every domain operation needs; built once at start and passed down. */
export interface DomainContext {
  db: Kysely<Database>;
  /** Where work a gate waits for goes ahead, and sweeps go behind; without them everything uses `db`. */
  lanes?: DbLanes;
  clock: Clock;
  bus: EventBus;
  log: Logger;
  settings: DomainSettings;
  /**
   * Puts committed events on the bus in sequence order, this process's and (on a shared database)
   * other processes'; without it, each commit emits its own events.
   */
  feed?: EventFeed;
  /** Gates' logins on an external broker (Mosquitto's dynamic security); none on the embedded one. */
  brokerAccounts?: BrokerAccounts;
  /** The in-memory facts entry decisions read; without it (or while it loads) they read the database. */
  admissions?: AdmissionView;
}

/** The Kysely instance for work of this lane: `db` itself when the context has no lanes. */
export function laneOf(ctx: DomainContext, lane: LaneName | undefined): Kysely<Database> {
  return (lane && ctx.lanes?.[lane]) || ctx.db;
}

/**
 * Keeps every entry gate's offline allowlist on its retained `allowlist` topic: on the leading
 * instance, at start, a moment after anything that changes a facility's list (a reservation made,
 * ended or lapsed, a car in, the setting), and every minute, so that a list never runs out while the
 * cloud is there to renew it. A facility with the allowlist off has its gates' topics emptied.
 */
import type { Logger } from '@parkinglot/platform/log';
import type { Clock } from '@parkinglot/platform/time';
import { topics } from '@parkinglot/shared';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { EventBus } from '../domain/bus.js';
import { buildAllowlist, findSetting, type SigningKey, signingKey } from '../domain/offline-allowlist.js';
import type { MqttPort } from '../gateway/port.js';

/** A list is renewed at least this often; it lasts its facility's window (minutes) beyond. */
export const RENEW_MS = 60_000;
/** Changes close together are one renewal. */
const SETTLE_MS = 200;

const CHANGES = new Set([
  'SpaceReserved',
  'ReservationCanceled',
  'ReservationExpired',
  'ParkingStarted',
  'MemberCredentialsChanged',
  'OfflineAllowlistConfigured',
  'GateRegistered',
  'GateDeactivated',
]);

export class AllowlistPublisher {
  private key: SigningKey | null = null;
  private turn: Promise<void> = Promise.resolve();
  private renewal: unknown = null;
  private readonly pending = new Map<string, unknown>();
  private unfollow: (() => void) | null = null;

  constructor(
    private readonly deps: { db: Kysely<Database>; bus: EventBus; mqtt: MqttPort; clock: Clock; log: Logger },
  ) {}

  async start(): Promise<void> {
    this.key = await signingKey(this.deps.db, this.deps.clock.now()).catch((error: unknown) => {
      this.deps.log.warn('the signing key could not be read; lists wait for the next renewal', error);
      return null;
    });
    this.unfollow = this.deps.bus.on('eventsAppended', ({ events }) => {
      for (const e of events) if (CHANGES.has(e.type) && e.facilityId) this.soon(e.facilityId);
    });
    this.renewal = this.deps.clock.setInterval(() => void this.renewAll(), RENEW_MS);
    await this.renewAll();
  }

  async stop(): Promise<void> {
    this.unfollow?.();
    this.unfollow = null;
    if (this.renewal !== null) this.deps.clock.clearInterval(this.renewal);
    this.renewal = null;
    for (const t of this.pending.values()) this.deps.clock.clearTimeout(t);
    this.pending.clear();
  }

  private soon(facilityId: string): void {
    if (this.pending.has(facilityId)) return;
    this.pending.set(
      facilityId,
      this.deps.clock.setTimeout(() => {
        this.pending.delete(facilityId);
        void this.renew(facilityId);
      }, SETTLE_MS),
    );
  }

  private async renewAll(): Promise<void> {
    try {
      const facilities = await this.deps.db.selectFrom('offline_allowlists').select('facility_id').execute();
      for (const f of facilities) await this.renew(f.facility_id);
    } catch (error) {
      this.deps.log.warn('the offline allowlists were not renewed; the next round tries again', error);
    }
  }

  /**
   * Publishes the facility's entry gates' lists (or empties their topics when it is off). One
   * renewal at a time: two built side by side could publish the older last.
   */
  renew(facilityId: string): Promise<void> {
    const run = this.turn.then(() => this.publish(facilityId));
    this.turn = run;
    return run;
  }

  private async publish(facilityId: string): Promise<void> {
    try {
      this.key ??= await signingKey(this.deps.db, this.deps.clock.now());
      const key = this.key;
      // A facility never configured has never had a list: nothing to publish, nothing to empty.
      const setting = await findSetting(this.deps.db, facilityId);
      if (!setting) return;
      const gates = await this.deps.db
        .selectFrom('gates')
        .selectAll()
        .where('facility_id', '=', facilityId)
        .where('direction', '=', 'entry')
        .execute();
      for (const gate of gates) {
        const on = setting.enabled && gate.deactivated_at === null;
        const body = on
          ? JSON.stringify(await buildAllowlist(this.deps.db, gate, setting, key, this.deps.clock.now()))
          : '';
        await this.deps.mqtt.publish(topics.allowlist(gate.id), body, { qos: 1, retain: true });
      }
    } catch (error) {
      this.deps.log.warn(`the offline allowlists of facility ${facilityId} were not renewed`, error);
    }
  }
}

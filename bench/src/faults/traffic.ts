/**
 * Continuous traffic through the fault suite's site: at each pair of gates, one member after another
 * arrives holding a reservation (made over HTTP, on whichever instance answers, while the car before
 * drove), drives onto the entry's loop and is read by its camera, drives through when the arm goes up (presenting the plate again, up to three times, when it
 * does not), and leaves by the exit. Every fourth car a stranger with no reservation tries the entry.
 *
 * Counted: reserved cars turned away (false denies, by when), strangers let in and cars admitted
 * twice (wrong allows), exits that did not open (exits never wait on the cloud), and each pair's
 * admissions, by when, for the time each fault took to recover from.
 */
import { setTimeout as pause } from 'node:timers/promises';
import { approach, backAway, driveThrough } from '@parkinglot/firmware-sim';
import type { FaultSite, Pair } from './site.js';

export interface Moment {
  at: number;
  pair: number;
}

export interface TrafficStats {
  admitted: number;
  /** Each entry attempt of a reserved car: when, and at which pair. */
  entryAttempts: Moment[];
  /** A reserved car's entry attempt that did not open: when, and at which pair. */
  falseDenies: Moment[];
  /** A stranger let in, or a car let in while it was already inside. */
  wrongAllows: { at: number; what: string }[];
  strangersTurnedAway: number;
  /** An exit that did not open for a car, which then tried again, with when. */
  exitWaits: number[];
  /** An exit that never opened for a car, however often it tried. */
  exitsRefused: { at: number; gateId: string }[];
  /** Each pair's admissions, by when. */
  admissions: number[][];
  /** Each pair's cars that left by its exit, by when. */
  departures: number[][];
  problems: string[];
  /** Bookings whose answer was lost and no car came for, cancelled to free their space. */
  bookingsReleased: number;
}

/** The agent asks within 800 ms and the camera, loop and arm add theirs: a decision later than this is a deny. */
const DECISION_MS = 3_000;

export class Traffic {
  readonly stats: TrafficStats;
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly inside = new Set<string>();
  /** What each pair's loop is doing now, for a fault that does not recover. */
  readonly doing: string[];

  constructor(private readonly site: FaultSite) {
    this.stats = {
      admitted: 0,
      entryAttempts: [],
      falseDenies: [],
      wrongAllows: [],
      strangersTurnedAway: 0,
      exitWaits: [],
      exitsRefused: [],
      admissions: site.pairs.map(() => []),
      departures: site.pairs.map(() => []),
      problems: [],
      bookingsReleased: 0,
    };
    this.doing = site.pairs.map(() => 'starting');
  }

  start(): void {
    this.running = true;
    this.loops = this.site.pairs.map(async (pair) => {
      // A gate that misbehaves (an arm left up) is a problem of the run; the pair's traffic goes on,
      // so that the faults after it are still measured there.
      while (this.running) {
        try {
          await this.drive(pair);
        } catch (error) {
          this.stats.problems.push(`pair ${pair.index}: ${(error as Error).message}`);
          await pause(1_000);
        }
      }
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /**
   * A reservation for `member` at this pair, as a member's app would make one: a 409 saying the plate
   * holds one already is a booking whose answer was lost (its instance died mid-request), which the
   * member then finds in their list and uses. When every space stays taken by such bookings of this
   * pair's members, they are cancelled (`keep`, the car now driving, is left alone).
   */
  private async reserve(
    pair: Pair,
    member: Pair['members'][number],
    keep: string | null,
  ): Promise<string | null> {
    for (let attempt = 0; this.running && attempt < 40; attempt++) {
      for (const spaceId of pair.spaces) {
        const res = await this.site.api.call(
          'POST',
          '/api/reservations',
          { spaceId, plate: member.plate },
          member.token,
        );
        const answer = res ? `${res.status} ${String(res.body.error ?? '')}` : 'no instance answered';
        this.doing[pair.index] = `booking for ${member.plate}: ${answer} (attempt ${attempt + 1})`;
        if (res?.status === 201) return res.body.id as string;
        if (res?.status === 409 && res.body.error === 'plate_has_reservation') {
          const held = await this.site.api.call(
            'GET',
            '/api/me/reservations?status=reserved',
            undefined,
            member.token,
          );
          const found = (held?.body.items as { id: string }[] | undefined)?.[0];
          if (found) return found.id;
          continue;
        }
        // 409: taken (a car still inside until its Ended is applied, or a booking of another member).
        if (res && res.status !== 409) throw new Error(`reserve: ${res.status} ${JSON.stringify(res.body)}`);
      }
      if (attempt % 8 === 7) await this.releaseLost(pair, keep);
      await pause(250);
    }
    return null;
  }

  /** Cancels this pair's bookings that no car is coming for (their answers were lost). */
  private async releaseLost(pair: Pair, keep: string | null): Promise<void> {
    const live = await this.site.api.call(
      'GET',
      `/api/reservations?facilityId=${this.site.facilityId}&status=reserved&limit=200`,
    );
    const mine = new Set(pair.spaces);
    for (const r of (live?.body.items as { id: string; spaceId: string }[] | undefined) ?? []) {
      if (!mine.has(r.spaceId) || r.id === keep) continue;
      await this.site.api.call('POST', `/api/reservations/${r.id}/cancel`, {});
      this.stats.bookingsReleased += 1;
    }
  }

  private async drive(pair: Pair): Promise<void> {
    let turn = 0;
    const nextMember = () => pair.members[turn++ % pair.members.length]!;
    let car = { member: nextMember(), reservation: null as string | null };
    while (this.running) {
      car.reservation ??= await this.reserve(pair, car.member, null);
      if (!car.reservation) continue;
      // The car after this one books now, while this one drives: a car arrives holding a reservation
      // made before it came, so a fault that keeps it from booking does not keep it from arriving.
      const following = nextMember();
      const booking = this.reserve(pair, following, car.reservation);
      const { member, reservation } = car;
      let entered = false;
      for (let attempt = 0; attempt < 3 && !entered; attempt++) {
        this.doing[pair.index] = `${member.plate} at the entry (attempt ${attempt + 1})`;
        this.stats.entryAttempts.push({ at: Date.now(), pair: pair.index });
        const inbound = await approach(pair.entry.hw, { kind: 'plate', value: member.plate }, DECISION_MS);
        inbound.done();
        if (inbound.opened) {
          if (this.inside.has(member.plate))
            this.stats.wrongAllows.push({ at: Date.now(), what: `${member.plate} let in while inside` });
          await driveThrough(pair.entry.hw);
          this.inside.add(member.plate);
          entered = true;
          this.stats.admitted += 1;
          this.stats.admissions[pair.index]!.push(Date.now());
        } else {
          this.stats.falseDenies.push({ at: Date.now(), pair: pair.index });
          await backAway(pair.entry.hw);
          await pause(500);
        }
      }
      if (entered) {
        // Exits never wait on the cloud, but a gate whose agent is restarting opens nothing: the
        // driver waits and tries again, for up to half a minute.
        let left = false;
        for (let attempt = 0; attempt < 10 && !left; attempt++) {
          this.doing[pair.index] = `${member.plate} at the exit (attempt ${attempt + 1})`;
          const outbound = await approach(pair.exit.hw, { kind: 'plate', value: member.plate }, DECISION_MS);
          outbound.done();
          if (outbound.opened) {
            await driveThrough(pair.exit.hw);
            this.inside.delete(member.plate);
            this.stats.departures[pair.index]!.push(Date.now());
            left = true;
          } else {
            this.stats.exitWaits.push(Date.now());
            await backAway(pair.exit.hw);
          }
        }
        if (!left) this.stats.exitsRefused.push({ at: Date.now(), gateId: pair.exit.id });
      } else {
        await this.site.api.call('POST', `/api/reservations/${reservation}/cancel`, {}, member.token);
      }
      if (turn % 4 === 0) await this.stranger(pair, turn);
      this.doing[pair.index] = `waiting for the booking of ${following.plate}`;
      car = { member: following, reservation: await booking };
    }
  }

  private async stranger(pair: Pair, turn: number): Promise<void> {
    const plate = `99허${String(turn % 10_000).padStart(4, '0')}`;
    const inbound = await approach(pair.entry.hw, { kind: 'plate', value: plate }, DECISION_MS);
    inbound.done();
    if (inbound.opened) {
      this.stats.wrongAllows.push({ at: Date.now(), what: `stranger ${plate} let in at pair ${pair.index}` });
      await driveThrough(pair.entry.hw);
    } else {
      this.stats.strangersTurnedAway += 1;
      await backAway(pair.entry.hw);
    }
  }
}

/**
 * The whole system in CI over real TCP: the cloud and two edge agents as processes, firmware-sim's
 * emulated gate hardware, cars driven through the gates. Outcomes are read from the emulated pins
 * (did the relay raise the arm) and from the cloud's domain events and schedule.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type CarPlan, STANDARD_CAST } from '../src/scenario/cast.js';
import { approach, backAway, driveThrough } from '../src/scenario/drive.js';
import { checkEventCounts, runScenario } from '../src/scenario/scenario.js';
import { schedule } from '../src/scenario/seed.js';
import { type SiteRun, startSite } from '../src/scenario/site-run.js';

const GATES = { decisionMs: 2500, settleMs: 10_000 };

const gatesOf = (run: SiteRun) => ({
  entry: run.entry,
  exit: run.exit,
  entryGateId: run.site.entry.id,
  exitGateId: run.site.exit.id,
  reservations: run.site.reservations,
  ...GATES,
});

describe('scenarios end to end', () => {
  let run: SiteRun | undefined;
  afterEach(async () => {
    await run?.close();
    run = undefined;
  });

  it('treats members, a walk-in, a member without a reservation, a cloned plate, an RFID card and a tailgater as the rules say', async () => {
    run = await startSite({ cast: STANDARD_CAST, armTravelMs: 300 });
    const before = await schedule(run.cloud, run.site.facilityId);
    expect(before.map((s) => s.status)).toEqual(['reserved', 'reserved', 'reserved', 'available']);

    const outcomes = await runScenario(run.cloud, gatesOf(run), STANDARD_CAST);
    expect(outcomes.map((o) => [o.car.name, o.entry, o.reason ?? null, o.exited ?? null])).toEqual([
      ['Kim Minji', 'admitted', null, true],
      ['Lee Jun (RFID card)', 'admitted', null, true],
      ['Walk-in', 'denied', 'unknown_credential', null],
      ['Park Seo (no reservation)', 'denied', 'no_reservation', null],
      ['Cloned plate 12가3456', 'denied', 'already_inside', null],
      ['Choi Hana', 'admitted', null, true],
      ['Tailgater', 'tailgated', null, null],
    ]);
    expect(outcomes.every((o) => o.ok)).toBe(true);

    // The arms are down and their relays released on the emulated boards.
    for (const gate of [run.entry, run.exit]) {
      await expect.poll(() => gate.barrier.position).toBe('closed');
      expect(gate.device.digitalValue(gate.relayPin)).toBe(false);
    }
    await run.cloud.gateOutboxEmpty(run.site.entry.id, 10_000);
    await run.cloud.gateOutboxEmpty(run.site.exit.id, 10_000);
    await run.cloud.catchUp();
    expect(checkEventCounts(run.cloud, STANDARD_CAST)).toEqual([]);
    await expect
      .poll(async () => (await schedule(run!.cloud, run!.site.facilityId)).map((s) => s.status))
      .toEqual(['available', 'available', 'available', 'available']);
  }, 120_000);

  it('with the cloud stopped mid-run: entries are denied, exits go on, and every Ended arrives once after it returns', async () => {
    const cast: CarPlan[] = [
      {
        name: 'A',
        plate: '11가1111',
        member: { reserves: true },
        expect: { entry: 'admitted' },
        exits: true,
      },
      {
        name: 'B',
        plate: '22나2222',
        member: { reserves: true },
        expect: { entry: 'admitted' },
        exits: true,
      },
      {
        name: 'C',
        plate: '33다3333',
        member: { reserves: true },
        expect: { entry: 'admitted' },
        exits: true,
      },
    ];
    run = await startSite({ cast, armTravelMs: 300 });
    const plate = (name: string) => cast.find((c) => c.name === name)!.plate;
    for (const name of ['A', 'B']) {
      const a = await approach(run.entry, { kind: 'plate', value: plate(name) }, GATES.decisionMs);
      a.done();
      expect(a.opened).toBe(true);
      await driveThrough(run.entry);
    }
    await expect
      .poll(() => run!.cloud.events().filter((e) => e.type === 'ParkingStarted').length, { timeout: 10_000 })
      .toBe(2);

    await run.stopCloud();
    // C has a reservation, but nobody can confirm it: the gate stays shut.
    const c = await approach(run.entry, { kind: 'plate', value: plate('C') }, GATES.decisionMs);
    expect(c.opened).toBe(false);
    await backAway(run.entry);
    expect(c.openedSince()).toBe(false);
    c.done();
    // Exits never wait on the cloud.
    for (const name of ['A', 'B']) {
      const out = await approach(run.exit, { kind: 'plate', value: plate(name) }, GATES.decisionMs);
      out.done();
      expect(out.opened).toBe(true);
      await driveThrough(run.exit);
    }

    await run.startCloud();
    for (const name of ['A', 'B']) {
      await expect
        .poll(
          () =>
            run!.cloud.events().filter((e) => e.type === 'ParkingEnded' && e.data.plate === plate(name))
              .length,
          {
            timeout: 20_000,
          },
        )
        .toBe(1);
    }
    const spaces = await schedule(run.cloud, run.site.facilityId);
    const held = run.site.reservations;
    const status = (name: string) => spaces.find((s) => s.label === held.get(name)!.label)!.status;
    await expect
      .poll(async () => {
        const now = await schedule(run!.cloud, run!.site.facilityId);
        return ['A', 'B', 'C'].map((n) => now.find((s) => s.label === held.get(n)!.label)!.status);
      })
      .toEqual(['available', 'available', 'reserved']);
    expect(status('C')).toBe('reserved');
    // The deny during the outage reached the cloud too, with the gate's own reason.
    await expect
      .poll(
        () =>
          run!.cloud
            .events()
            .filter((e) => e.type === 'GateEventRecorded' && e.data.eventType === 'Denied')
            .map((e) => e.data.reason),
        { timeout: 10_000 },
      )
      .toEqual(['cloud_disconnected']);
    // Nothing applied twice: once the exit's outbox is empty (every event acked, none left to resend).
    await run.cloud.gateOutboxEmpty(run.site.exit.id, 15_000);
    await run.cloud.catchUp();
    expect(run.cloud.events().filter((e) => e.type === 'ParkingEnded')).toHaveLength(2);
    expect(run.cloud.events().filter((e) => e.type === 'AnomalyRecorded')).toHaveLength(0);
  }, 120_000);
});

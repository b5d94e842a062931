/**
 * Plays a cast of cars through an entry and an exit gate on emulated hardware, against a running
 * cloud and edge agents, and checks each outcome against the domain rules. The outcome of a car is
 * what the hardware did (did the relay raise the arm) and what the cloud recorded (its domain events).
 */

import type { CarPlan } from './cast.js';
import type { CloudClient, DomainEventMessage } from './cloud-client.js';
import { approach, backAway, type Credential, driveThrough, type GateHardware } from './drive.js';

export interface CarOutcome {
  car: CarPlan;
  entry: 'admitted' | 'denied' | 'tailgated' | 'no_outcome';
  reason?: string;
  space?: string;
  readToOpenMs?: number | null;
  /** From the later of the read and the confirmed arrival to the barrier-open command. */
  decisionMs?: number | null;
  exited?: boolean;
  ok: boolean;
  problem?: string;
}

export interface ScenarioGates {
  entry: GateHardware;
  exit: GateHardware;
  entryGateId: string;
  exitGateId: string;
  /** The reservation each reserving car holds, by car name: an admission must use exactly that one. */
  reservations: ReadonlyMap<string, { id: string; spaceId: string }>;
  /** How long a gate may take to decide (the agent's auth timeout plus margin). */
  decisionMs: number;
  /** How long an event may take to reach the cloud and come back as a domain event. */
  settleMs: number;
}

const credentialOf = (car: CarPlan): Credential =>
  car.tag ? { kind: 'rfid', value: car.tag } : { kind: 'plate', value: car.plate };

const about = (value: string) => (e: DomainEventMessage) => {
  const credential = e.data.credential as { value?: string } | null | undefined;
  return credential?.value === value || e.data.plate === value;
};

export async function runScenario(
  cloud: CloudClient,
  gates: ScenarioGates,
  cast: CarPlan[],
  report: (line: string) => void = () => undefined,
): Promise<CarOutcome[]> {
  const results = new Map<CarPlan, CarOutcome>();
  const after = (seq: number) => (e: DomainEventMessage) => e.seq > seq;
  const watermark = () => cloud.events().at(-1)?.seq ?? 0;

  for (const car of cast.filter((c) => !c.tailgates)) {
    const credential = credentialOf(car);
    const follower = cast.find((c) => c.tailgates === car.name);
    const since = watermark();
    const result = await approach(gates.entry, credential, gates.decisionMs);
    let outcome: CarOutcome;
    try {
      if (result.opened) {
        await driveThrough(gates.entry, { tailgater: follower !== undefined });
        const started = await cloud.waitFor(
          (e) => after(since)(e) && e.type === 'ParkingStarted' && about(credential.value)(e),
          gates.settleMs,
        );
        outcome = {
          car,
          entry: started ? 'admitted' : 'no_outcome',
          readToOpenMs: result.readToOpenMs,
          decisionMs: result.decisionMs,
          ok: false,
        };
        if (started) {
          outcome.space = started.data.spaceId as string;
          // Admitted on its own reservation, at the entry gate: not merely admitted.
          const held = gates.reservations.get(car.name);
          if (started.data.gateId !== gates.entryGateId) outcome.problem = 'started at the wrong gate';
          else if (
            held &&
            (started.data.reservationId !== held.id || started.data.spaceId !== held.spaceId)
          ) {
            outcome.problem = 'admitted on a reservation that is not its own';
          }
        }
        if (follower) {
          const tailgating = await cloud.waitFor(
            (e) =>
              after(since)(e) &&
              e.type === 'GateEventRecorded' &&
              e.data.eventType === 'Tailgating' &&
              e.data.gateId === gates.entryGateId,
            gates.settleMs,
          );
          results.set(
            follower,
            check({ car: follower, entry: tailgating ? 'tailgated' : 'no_outcome', ok: false }),
          );
        }
      } else {
        await backAway(gates.entry);
        const denied = await cloud.waitFor(
          (e) =>
            after(since)(e) &&
            e.type === 'GateEventRecorded' &&
            e.data.eventType === 'Denied' &&
            e.data.gateId === gates.entryGateId &&
            about(credential.value)(e),
          gates.settleMs,
        );
        outcome = { car, entry: denied ? 'denied' : 'no_outcome', ok: false };
        if (denied?.data.reason) outcome.reason = String(denied.data.reason);
        // Watched until the car has gone and the deny is recorded: a late rise of the arm is a failure.
        if (result.openedSince()) outcome.problem = 'the arm went up after the car was refused';
      }
    } finally {
      result.done();
    }
    results.set(car, check(outcome));
    report(describe(outcome));
    const followed = follower ? results.get(follower) : undefined;
    if (followed) report(describe(followed));
  }

  for (const outcome of [...results.values()].filter((o) => o.car.exits && o.entry === 'admitted')) {
    const since = watermark();
    const result = await approach(gates.exit, { kind: 'plate', value: outcome.car.plate }, gates.decisionMs);
    result.done();
    if (result.opened) await driveThrough(gates.exit);
    else await backAway(gates.exit);
    const ended = await cloud.waitFor(
      (e) =>
        after(since)(e) &&
        e.type === 'ParkingEnded' &&
        e.data.gateId === gates.exitGateId &&
        about(outcome.car.plate)(e),
      gates.settleMs,
    );
    // Out through the exit's own arm, and the cloud knows: both, or it did not leave as it should.
    outcome.exited = result.opened && ended !== null;
    if (!outcome.exited) {
      outcome.ok = false;
      outcome.problem = result.opened
        ? 'left, but no ParkingEnded reached the cloud'
        : 'the exit did not open';
    }
    report(
      `  ${outcome.exited ? 'ok  ' : 'FAIL'} ${outcome.car.name} (${outcome.car.plate}) left${outcome.exited ? '; parking ended' : `: ${outcome.problem}`}`,
    );
  }
  // A car with no result (a follower whose leader was refused) is a failure, not an omission.
  return cast.map(
    (car) =>
      results.get(car) ?? {
        car,
        entry: 'no_outcome',
        ok: false,
        problem: 'the scenario never got to this car',
      },
  );
}

/**
 * The whole run's events, counted against what the cast should produce: one ParkingStarted per
 * admitted car, one ParkingEnded per car that left, one Denied per refusal, one Tailgating per
 * tailgater, and no anomaly.
 */
export function checkEventCounts(cloud: CloudClient, cast: CarPlan[]): string[] {
  const events = cloud.events();
  const count = (match: (e: DomainEventMessage) => boolean) => events.filter(match).length;
  const expected: [string, number, number][] = [
    [
      'ParkingStarted',
      cast.filter((c) => c.expect.entry === 'admitted').length,
      count((e) => e.type === 'ParkingStarted'),
    ],
    [
      'ParkingEnded',
      cast.filter((c) => c.expect.entry === 'admitted' && c.exits).length,
      count((e) => e.type === 'ParkingEnded'),
    ],
    [
      'Denied',
      cast.filter((c) => c.expect.entry === 'denied').length,
      count((e) => e.type === 'GateEventRecorded' && e.data.eventType === 'Denied'),
    ],
    [
      'Tailgating',
      cast.filter((c) => c.expect.entry === 'tailgated').length,
      count((e) => e.type === 'GateEventRecorded' && e.data.eventType === 'Tailgating'),
    ],
    ['AnomalyRecorded', 0, count((e) => e.type === 'AnomalyRecorded')],
  ];
  return expected
    .filter(([, want, got]) => want !== got)
    .map(([name, want, got]) => `${name}: expected ${want}, saw ${got}`);
}

/** Judges the outcome against the car's expectation; a problem already found stands and fails it. */
function check(outcome: CarOutcome): CarOutcome {
  const want = outcome.car.expect;
  const matches = outcome.entry === want.entry && (want.entry !== 'denied' || outcome.reason === want.reason);
  outcome.ok = matches && !outcome.problem;
  if (!matches && !outcome.problem) {
    const wanted = want.entry === 'denied' ? `denied (${want.reason})` : want.entry;
    const got = outcome.entry === 'denied' ? `denied (${outcome.reason})` : outcome.entry;
    outcome.problem = `expected ${wanted}, got ${got}`;
  }
  return outcome;
}

function describe(o: CarOutcome): string {
  const mark = o.ok ? 'ok  ' : 'FAIL';
  const how = o.car.tag ? `card ${o.car.tag}` : o.car.plate;
  const what =
    o.entry === 'admitted'
      ? `admitted (read to barrier-open command ${o.readToOpenMs?.toFixed(1)} ms, ${o.decisionMs?.toFixed(1)} ms after the car was confirmed)`
      : o.entry === 'denied'
        ? `denied: ${o.reason}`
        : o.entry === 'tailgated'
          ? 'slipped in behind the car ahead: reported as Tailgating'
          : 'no outcome reached the cloud';
  return `  ${mark} ${o.car.name} (${how}) ${what}${o.problem ? ` — ${o.problem}` : ''}`;
}

#!/usr/bin/env node
/**
 * `npm run demo`: the whole system on one machine, no hardware. Starts the cloud on its embedded
 * defaults, seeds a facility through the HTTP API, emulates two gates' hardware (a Firmata board
 * with a barrier and loop detectors, an ANPR camera, an RDM6300 reader), runs an edge agent per
 * gate, drives a cast of cars through them and prints what happened. Exits 0 only when every car
 * was treated as the domain rules say and the schedule ends right.
 */
import { LOOP_DEBOUNCE_MS } from './cli/devices.js';
import { STANDARD_CAST } from './scenario/cast.js';
import { checkEventCounts, runScenario } from './scenario/scenario.js';
import { schedule } from './scenario/seed.js';
import { scenarioGates, startSite } from './scenario/site-run.js';

const say = (line = '') => process.stdout.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const keep = argv.includes('--keep');
  say('parkinglot demo: a cloud, two gates of emulated hardware, two edge agents, seven cars');
  say();
  // --gpio: the entry gate's barrier and loops on an emulated GPIO chip, its agent in GPIO mode.
  const gpio = argv.includes('--gpio');
  const run = await startSite({ cast: STANDARD_CAST, keep, gpio, log: (line) => say(`  · ${line}`) });
  try {
    const show = async (title: string) => {
      const spaces = await schedule(run.cloud, run.site.facilityId);
      say(
        `${title}: ${spaces.map((s) => `${s.label} ${s.status}${s.plate ? ` (${s.plate})` : ''}`).join(', ')}`,
      );
      return spaces;
    };
    say();
    const before = await show('Schedule before');
    say();
    say('At the gates:');
    const outcomes = await runScenario(run.cloud, scenarioGates(run), STANDARD_CAST, say);
    await run.cloud.gateOutboxEmpty(run.site.entry.id, 10_000);
    await run.cloud.gateOutboxEmpty(run.site.exit.id, 10_000);
    await run.cloud.catchUp();
    // The projection follows the event log: give it the moment it needs to catch up.
    let after = await show('\nSchedule after');
    for (let i = 0; i < 20 && after.some((s) => s.status !== 'available'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await schedule(run.cloud, run.site.facilityId);
    }
    const problems: string[] = outcomes.filter((o) => !o.ok).map((o) => `${o.car.name}: ${o.problem}`);
    problems.push(...checkEventCounts(run.cloud, STANDARD_CAST));
    const reserved = before.filter((s) => s.status === 'reserved').length;
    if (reserved !== run.site.reservations.size)
      problems.push(`expected ${run.site.reservations.size} reserved spaces before, saw ${reserved}`);
    if (after.some((s) => s.status !== 'available'))
      problems.push('every space should be available once everyone has left');
    const times = outcomes.flatMap((o) => (o.readToOpenMs ? [o.readToOpenMs] : [])).sort((a, b) => a - b);
    say();
    if (times.length > 0) {
      say(`Plate or card read to barrier-open command: ${times.map((t) => `${t.toFixed(1)} ms`).join(', ')}`);
      const waits = outcomes
        .flatMap((o) => (o.decisionMs == null ? [] : [o.decisionMs]))
        .sort((a, b) => a - b);
      say(
        `What the driver waits, from the later of the read and the car confirmed on the loop (${LOOP_DEBOUNCE_MS} ms debounce) to that command: ${waits.map((t) => `${t.toFixed(1)} ms`).join(', ')}`,
      );
    }
    if (keep) say(`Data kept in ${run.dataDir}`);
    say();
    if (problems.length === 0) {
      say(`All ${outcomes.length} cars were treated as the rules say.`);
      return 0;
    }
    say(`${problems.length} problem(s):`);
    for (const p of problems) say(`  - ${p}`);
    return 1;
  } finally {
    await run.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);

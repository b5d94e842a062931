/** The fault suite's figures as a table for the terminal and as docs/reliability.md. */
import os from 'node:os';
import type { FaultResult } from './schedule.js';
import type { TrafficStats } from './traffic.js';

export interface RunFigures {
  plan: { quick: boolean; gates: number; members: number; holdMs: number; durationMs: number };
  faults: FaultResult[];
  traffic: TrafficStats;
  /** Events the gates' outboxes took. */
  emitted: number;
  /** Of those, the ones the cloud holds a record of (applied, or kept as an anomaly). */
  received: number;
  applied: number;
  /** Taken for the record (Denied and the like), which change nothing. */
  recorded: number;
  anomalies: Record<string, number>;
  lost: string[];
  appliedTwice: number;
  /** Started and Ended the cloud kept as anomalies instead of applying them. */
  unapplied: string[];
  startedApplied: number;
  endedApplied: number;
  maxDepth: { depth: number; gateId: string };
  maxUnwritten: number;
  writeFailures: number;
  drained: boolean;
  finalSchedule: string[];
}

const seconds = (ms: number | null) => (ms === null ? 'not within the cap' : `${(ms / 1000).toFixed(1)} s`);

function rows(figures: RunFigures): string[][] {
  return figures.faults.map((f) => [
    f.name,
    `${f.falseDenies} of ${f.entryAttempts}`,
    String(f.exitWaits),
    seconds(f.recoveredMs),
    f.scheduleMatchesRebuild ? 'yes' : `no (${f.scheduleDifferences.length} spaces)`,
  ]);
}

function table(header: string[], body: string[][], markdown: boolean): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    markdown
      ? `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
      : cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  const rule = markdown
    ? `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`
    : widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...body.map(line)].join('\n');
}

export function reliabilityReport(figures: RunFigures): {
  table: string;
  markdown: string;
  problems: string[];
} {
  const { traffic } = figures;
  const header = [
    'fault',
    'false denies',
    'exit waits',
    'recovered after it was lifted',
    'schedule = rebuild',
  ];
  const anomalies = Object.entries(figures.anomalies)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
  const totals: [string, string][] = [
    ['events emitted by the gates', String(figures.emitted)],
    [
      '  taken by the cloud',
      `${figures.received}: ${figures.applied} applied, ${figures.recorded} recorded (denies and the like), ` +
        `${figures.received - figures.applied - figures.recorded} anomalies${anomalies ? ` (${anomalies})` : ''}`,
    ],
    ['  lost', String(figures.lost.length)],
    ['  applied twice', String(figures.appliedTwice)],
    [
      '  Started / Ended applied',
      `${figures.startedApplied} / ${figures.endedApplied} (cars let in ${traffic.admitted}, cars that left ${traffic.departures.flat().length})`,
    ],
    ['wrong allows', String(traffic.wrongAllows.length)],
    ['reserved cars let in', String(traffic.admitted)],
    ['strangers turned away', String(traffic.strangersTurnedAway)],
    ['exit waits', String(traffic.exitWaits.length)],
    ['bookings whose answer was lost', `${traffic.bookingsReleased} released (no car came for them)`],
    ['exits that never opened', String(traffic.exitsRefused.length)],
    ['largest outbox depth', `${figures.maxDepth.depth} events`],
    [
      'writes the disk refused',
      `${figures.writeFailures} (each event held in memory and sent from there; at most ${figures.maxUnwritten} held at once, sampled every 250 ms)`,
    ],
    [
      'schedule = rebuild at the end',
      figures.finalSchedule.length === 0 ? 'yes' : `no (${figures.finalSchedule.length} spaces)`,
    ],
  ];
  const problems = [
    ...figures.lost.map((e) => `lost: ${e}`),
    ...(figures.appliedTwice > 0 ? [`${figures.appliedTwice} event(s) applied twice`] : []),
    ...traffic.wrongAllows.map((w) => `wrong allow: ${w.what}`),
    ...traffic.exitsRefused.map((e) => `an exit did not open at gate ${e.gateId}`),
    ...figures.faults.filter((f) => f.recoveredMs === null).map((f) => `${f.name}: did not recover`),
    ...figures.faults.flatMap((f) => (f.trouble ? [`${f.name}: ${f.trouble}`] : [])),
    ...figures.unapplied.map((e) => `not applied: ${e}`),
    ...(figures.startedApplied === traffic.admitted
      ? []
      : [`${traffic.admitted} cars were let in, but ${figures.startedApplied} Started applied`]),
    ...(figures.endedApplied === traffic.departures.flat().length
      ? []
      : [`${traffic.departures.flat().length} cars left, but ${figures.endedApplied} Ended applied`]),
    ...figures.faults.flatMap((f) => f.scheduleDifferences.map((d) => `${f.name}: schedule ${d}`)),
    ...figures.finalSchedule.map((d) => `at the end: schedule ${d}`),
    ...(figures.drained ? [] : ['some outbox did not drain']),
    ...traffic.problems,
  ];
  const plain = [
    table(header, rows(figures), false),
    '',
    ...totals.map(([k, v]) => `${k.padEnd(32)}${v}`),
  ].join('\n');
  const { plan } = figures;
  const markdown = `# Reliability

What the fault suite measured: \`npm run faults -- --write\` on ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}.
${plan.gates} gates (entry and exit in pairs) and ${plan.members} members in continuous traffic for ${Math.round(plan.durationMs / 60_000)} minutes, through
real processes: two cloud instances on a PostgreSQL server and a Mosquitto (dynamic security) of the suite's
own, every gate's emulated Firmata board and ANPR camera, a TCP link proxy per gate, and the edge agents in
agent-host processes. Each fault is held ${plan.holdMs / 1000} s while the traffic goes on. CI runs a quick pass of it
(\`npm run faults -- --quick\`: 8 gates, 40 members, 4 s each); the figures below are the full run's.

- **False denies**: entry attempts of reserved cars that did not open, of all their entry attempts,
  at the gates the fault touched (all of them for the cloud, the broker and the database; its own
  pair for a gate's fault), from its injection until it had recovered (a car presents its plate up
  to three times, then gives up and cancels).
- **Exit waits**: cars at an exit that did not open at once (its agent restarting) and tried again.
- **Recovered**: from the fault being lifted until every pair of gates it touched had let a reserved
  car in again (for an exit gate's own fault: until a car had left through it and its outbox was
  empty again).
- **Schedule = rebuild**: \`verifySchedule\` (\`npm run cloud:cli -- verify-schedule\`) compared the
  read model with a rebuild from the event log, after the fault had recovered.
- **Emitted** counts every event a gate's outbox took; **lost** is one the cloud has no record of
  once every outbox had drained; **applied twice** is a Started or an Ended that opened or closed more
  than one parking session.

${table(header, rows(figures), true)}

| over the run | |
| --- | --- |
${totals.map(([k, v]) => `| ${k.trim()} | ${v} |`).join('\n')}

${problems.length === 0 ? 'No problem: nothing lost, nothing applied twice, nobody let in who should not be.' : `Problems:\n\n${problems.map((p) => `- ${p}`).join('\n')}`}
`;
  return { table: plain, markdown, problems };
}

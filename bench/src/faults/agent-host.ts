/**
 * One process of the fault suite's gates: each gate named in its job file is a real edge agent
 * (its drivers on the emulated hardware over TCP, its outbox file, its MQTT link), as `node
 * edge/dist/main.js` runs one, several to a process to spare the machine. It tells the suite over
 * IPC each event its outbox took (`recorded`: what the gate emitted) and, every 250 ms, each outbox's
 * depth. A `clock` message sets how far one gate's clock is off. SIGKILL is the fault it is for;
 * SIGTERM stops the agents cleanly.
 */
import { readFileSync } from 'node:fs';
import { type Agent, edgeConfigSchema, openHardware, startAgent } from '@parkinglot/edge';
import { createLogger } from '@parkinglot/platform/log';
import { type Clock, systemClock } from '@parkinglot/platform/time';

export interface HostJob {
  gates: { config: Record<string, unknown> }[];
}

export type HostMessage =
  | { kind: 'ready' }
  | { kind: 'recorded'; gateId: string; eventId: string; type: string }
  | {
      kind: 'depth';
      depths: Record<string, number>;
      unwritten: Record<string, number>;
      /** Appends the disk refused since the agent started (each held in memory instead). */
      writeFailures: Record<string, number>;
    }
  | { kind: 'failed'; error: string };

export type HostCommand = { kind: 'clock'; gateId: string; offsetMs: number };

const send = (message: HostMessage) => process.send?.(message);

async function main(): Promise<void> {
  const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as HostJob;
  const log = createLogger('faults-edge', (process.env.PARKING_FAULTS_EDGE_LOG as 'error') ?? 'error');
  const offsets = new Map<string, number>();
  process.on('message', (command: HostCommand) => {
    if (command.kind === 'clock') offsets.set(command.gateId, command.offsetMs);
  });
  const agents: { gateId: string; agent: Agent }[] = [];
  for (const { config: raw } of job.gates) {
    const config = edgeConfigSchema.parse(raw);
    const { gateId } = config;
    const clock: Clock = { ...systemClock, now: () => Date.now() + (offsets.get(gateId) ?? 0) };
    const hardware = await openHardware(config, { log, clock, onBoardLost: () => undefined });
    const agent = await startAgent(config, { log, clock, hardware });
    // What the gate emitted: each event its outbox took (on disk, or held while the disk is full).
    const append = agent.outbox.append.bind(agent.outbox);
    agent.outbox.append = async (input) => {
      const event = await append(input);
      send({ kind: 'recorded', gateId, eventId: event.eventId, type: event.type });
      return event;
    };
    agents.push({ gateId, agent });
  }
  setInterval(() => {
    const depths: Record<string, number> = {};
    const unwritten: Record<string, number> = {};
    const writeFailures: Record<string, number> = {};
    for (const { gateId, agent } of agents) {
      depths[gateId] = agent.outbox.depth;
      unwritten[gateId] = agent.outbox.unwritten;
      writeFailures[gateId] = agent.outbox.stats.writeFailures;
    }
    send({ kind: 'depth', depths, unwritten, writeFailures });
  }, 250).unref();
  process.on('SIGTERM', () => {
    void Promise.allSettled(agents.map(({ agent }) => agent.stop())).then(() => process.exit(0));
  });
  send({ kind: 'ready' });
}

main().catch((error: unknown) => {
  send({ kind: 'failed', error: (error as Error)?.stack ?? String(error) });
  process.exit(1);
});

/** Edge agents with in-memory hardware against a real cloud (embedded broker, real TCP, sqlite files). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@parkinglot/platform/log';
import { type Clock, systemClock } from '@parkinglot/platform/time';
import { type Agent, startAgent } from '../src/agent.js';
import { type EdgeConfig, edgeConfigSchema } from '../src/config/schema.js';
import { FakeBarrier, FakeLoop, FakePlateReader, FakeRfidReader } from '../src/testing/fakes.js';

export interface FakeGate {
  agent: Agent;
  config: EdgeConfig;
  barrier: FakeBarrier;
  arrival: FakeLoop;
  passage: FakeLoop;
  plates: FakePlateReader;
  tags: FakeRfidReader;
  /** A car drives up, is read, and (if the arm opens) drives through. */
  drive(plate: string): Promise<'passed' | 'refused'>;
}

export function gateConfig(
  gate: { id: string; mqtt: { username: string; password: string } },
  direction: 'entry' | 'exit',
  mqttUrl: string,
  dataDir = mkdtempSync(join(tmpdir(), 'parkinglot-edge-')),
): EdgeConfig {
  return edgeConfigSchema.parse({
    gateId: gate.id,
    direction,
    mqtt: { url: mqttUrl, password: gate.mqtt.password, reconnectPeriodMs: 100 },
    dataDir,
    plateReader: { path: 'tcp://127.0.0.1:1' },
    board: { path: 'tcp://127.0.0.1:1', barrier: { relayPin: 8 } },
    outbox: { ackTimeoutMs: 1000, retryMs: 100 },
    logLevel: 'silent',
  });
}

/** A site's entry and exit agents, both connected to the broker at `mqttUrl`; `stop()` stops both. */
export async function startGatePair(
  site: { entry: Parameters<typeof gateConfig>[0]; exit: Parameters<typeof gateConfig>[0] },
  mqttUrl: string,
): Promise<{ entry: FakeGate; exit: FakeGate; stop(): Promise<void> }> {
  const entry = await startFakeGate(gateConfig(site.entry, 'entry', mqttUrl));
  const exit = await startFakeGate(gateConfig(site.exit, 'exit', mqttUrl));
  await until(() => entry.agent.mqtt.isConnected && exit.agent.mqtt.isConnected);
  return {
    entry,
    exit,
    async stop() {
      await entry.agent.stop();
      await exit.agent.stop();
    },
  };
}

/** `clock` drives the agent's timers (timeouts, breaker, debounce); tests pass a ManualClock to step it. */
export async function startFakeGate(config: EdgeConfig, clock: Clock = systemClock): Promise<FakeGate> {
  const barrier = new FakeBarrier(clock, 20);
  const arrival = new FakeLoop();
  const passage = new FakeLoop();
  const plates = new FakePlateReader();
  const tags = new FakeRfidReader();
  const agent = await startAgent(config, {
    clock,
    log: createLogger(`edge:${config.direction}`, (process.env.PARKING_LOG_LEVEL as 'debug') ?? 'silent'),
    hardware: { barrier, arrival, passage, plates, tags, close: async () => {} },
  });
  const gate: FakeGate = {
    agent,
    config,
    barrier,
    arrival,
    passage,
    plates,
    tags,
    async drive(plate) {
      // The next car waits for the arm to come down behind the last one.
      await until(() => agent.controller.state === 'idle');
      const opened = barrier.opened;
      arrival.set(true);
      plates.read(plate);
      await agent.controller.settled();
      if (barrier.opened === opened) {
        arrival.set(false);
        await agent.controller.settled();
        return 'refused';
      }
      passage.set(true);
      arrival.set(false);
      passage.set(false);
      await agent.controller.settled();
      return 'passed';
    },
  };
  return gate;
}

/** Polls a condition of real I/O (broker, sqlite) with a bound; never a fixed sleep. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

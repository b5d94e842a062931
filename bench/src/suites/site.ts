/**
 * A site in traffic, through the whole emulated stack: per gate an emulated Firmata board (relay,
 * loops, limit switch) and ANPR camera on TCP, an edge agent on them (in this process), the cloud's
 * broker and its sqlite file. Entry and exit gates in pairs; at each pair one car after another
 * reserves over HTTP, rolls onto the entry loop as the camera reads it, drives through, and leaves
 * by the exit.
 *
 * Measured: what a driver waits at the entry, from the later of the read and the car confirmed on
 * the loop (its debounce after it rolled on) to the relay going up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerGate } from '@parkinglot/cloud';
import { type Agent, edgeConfigSchema, openHardware, startAgent } from '@parkinglot/edge';
import {
  approach,
  driveThrough,
  type GateDevices,
  gateHardware,
  startGateDevices,
} from '@parkinglot/firmware-sim';
import { createLogger } from '@parkinglot/platform/log';
import { systemClock } from '@parkinglot/platform/time';
import type { BenchCloud } from '../lib/cloud.js';
import { Latency, type LatencySummary } from '../lib/histogram.js';

export interface SiteResult {
  gates: number;
  cars: number;
  refused: number;
  wait: LatencySummary;
  /** Entries by what the driver waited: [upper bound in ms, count]; the last bound is Infinity. */
  histogram: [number, number][];
}

const BUCKETS = [1, 2, 5, 10, 20, 50, 100, Number.POSITIVE_INFINITY];

export async function siteBench(
  bench: BenchCloud,
  plan: { pairs: number; durationMs: number; armTravelMs: number },
  progress: (line: string) => void,
): Promise<SiteResult> {
  const { ctx } = bench.cloud;
  const facility = (await bench.call('POST', '/api/facilities', { name: 'Site in traffic' })).body
    .id as string;
  const dir = mkdtempSync(join(tmpdir(), 'parkinglot-bench-site-'));
  const devices: GateDevices[] = [];
  const agents: Agent[] = [];
  const log = createLogger('bench-edge', 'error');
  const gateOf = async (direction: 'entry' | 'exit', i: number) => {
    const gate = await registerGate(ctx, facility, { name: `${direction} ${i}`, direction });
    const device = await startGateDevices({ openTimeMs: plan.armTravelMs, closeTimeMs: plan.armTravelMs });
    devices.push(device);
    const config = edgeConfigSchema.parse({
      gateId: gate.id,
      direction,
      mqtt: { url: bench.cloud.mqttUrl, password: gate.mqtt.password },
      dataDir: join(dir, gate.id),
      ...device.addresses.edgeConfig,
      // One driver goes round and round: the camera would take their next visit for a repeat read.
      plateReader: { ...(device.addresses.edgeConfig.plateReader as object), duplicateWindowMs: 0 },
      logLevel: 'error',
    });
    const hardware = await openHardware(config, { log, clock: systemClock, onBoardLost: () => undefined });
    const agent = await startAgent(config, { log, clock: systemClock, hardware });
    agents.push(agent);
    const hw = gateHardware(device);
    return { hw, agent, gateId: gate.id };
  };
  const wait = new Latency();
  const counts = BUCKETS.map(() => 0);
  let cars = 0;
  let refused = 0;
  try {
    progress(`site: starting ${plan.pairs * 2} gates (emulated boards and cameras, an agent each)`);
    const pairs = [];
    for (let i = 0; i < plan.pairs; i++) {
      pairs.push({ entry: await gateOf('entry', i), exit: await gateOf('exit', i) });
      // A space and a member per pair: each car reserves it again once the last one has left.
      const space = (
        await bench.call('POST', `/api/facilities/${facility}/spaces`, { label: `S-${i}`, floor: 1 })
      ).body.id as string;
      const plate = `${10 + (i % 89)}가${String(1000 + i).padStart(4, '0')}`;
      const member = (await bench.call('POST', '/api/members', { name: `Driver ${i}`, plates: [plate] }))
        .body;
      Object.assign(pairs[i]!, { space, plate, token: member.token as string });
    }
    const online = () => agents.every((a) => a.mqtt.isConnected);
    while (!online()) await new Promise((r) => setTimeout(r, 50));
    progress(`site: ${plan.pairs * 2} gates online; traffic for ${plan.durationMs} ms`);
    const deadline = performance.now() + plan.durationMs;
    await Promise.all(
      pairs.map(async (pair) => {
        const { entry, exit, space, plate, token } = pair as typeof pair & {
          space: string;
          plate: string;
          token: string;
        };
        while (performance.now() < deadline) {
          const r = await bench.call('POST', '/api/reservations', { spaceId: space, plate }, token);
          if (r.status !== 201) throw new Error(`reserve: ${r.status} ${JSON.stringify(r.body)}`);
          const inbound = await approach(entry.hw, { kind: 'plate', value: plate }, 5_000);
          inbound.done();
          if (!inbound.opened || inbound.decisionMs === null) {
            refused += 1;
            const denied = await ctx.db
              .selectFrom('gate_events')
              .select(['type', 'payload'])
              .where('gate_id', '=', entry.gateId)
              .execute()
              .catch(() => []);
            throw new Error(
              `a reserved car was not let in (the gate is ${entry.agent.controller.state}; its events: ${JSON.stringify(denied).slice(0, 400)})`,
            );
          }
          cars += 1;
          wait.record(inbound.decisionMs);
          counts[BUCKETS.findIndex((b) => inbound.decisionMs! <= b)]! += 1;
          await driveThrough(entry.hw);
          const outbound = await approach(exit.hw, { kind: 'plate', value: plate }, 5_000);
          outbound.done();
          await driveThrough(exit.hw);
          // The reservation completes once the Ended is applied; then it can be reserved again.
          for (;;) {
            const s = await bench.call('GET', `/api/reservations/${r.body.id}`);
            if (s.body.status === 'completed') break;
            await new Promise((res) => setTimeout(res, 20));
          }
        }
      }),
    );
  } finally {
    for (const agent of agents) await agent.stop().catch(() => undefined);
    for (const device of devices) await device.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    gates: plan.pairs * 2,
    cars,
    refused,
    wait: wait.summary(),
    histogram: BUCKETS.map((b, i) => [b, counts[i]!]),
  };
}

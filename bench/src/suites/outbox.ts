/**
 * The edge outbox: the durable append rate (synchronous=FULL, one commit per event, as the gate
 * commits each event before it moves on), and the drain of a backlog to the cloud over MQTT,
 * checked to arrive exactly once.
 *
 * The backlog is what an outage leaves at an exit gate (`ended`, the default): cars that left while
 * the cloud was away, each closing a session opened before it (seeded, untimed, from an entry
 * gate). `denied` is the cheap case of an entry gate turning cars away: recorded, nothing else.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestGateEvents, registerGate } from '@parkinglot/cloud';
import { Outbox, OutboxDeliverer } from '@parkinglot/edge';
import { createLogger } from '@parkinglot/platform/log';
import { MqttConnection } from '@parkinglot/platform/mqtt';
import { systemClock } from '@parkinglot/platform/time';
import type { BenchCloud } from '../lib/cloud.js';

export interface OutboxResult {
  events: number;
  appendPerSecond: number;
  drainPerSecond: number;
  /** Every event is in the cloud's gate_events, once (its eventId is the key, so a resend cannot double it). */
  noneLost: boolean;
}

export type OutboxKind = 'ended' | 'denied';

/** A gate's outbox filled with a backlog, ready to drain to the cloud. */
export interface Backlog {
  events: number;
  appendPerSecond: number;
  /** Delivers the whole backlog; resolves with the events per second. */
  drain(progress?: (line: string) => void): Promise<number>;
  /** Every event is in the cloud's gate_events, once, and (for Ended) each car's session is closed. */
  noneLost(): Promise<boolean>;
  close(): Promise<void>;
}

export async function prepareBacklog(
  bench: BenchCloud,
  events: number,
  kind: OutboxKind,
  progress: (line: string) => void,
): Promise<Backlog> {
  const dir = mkdtempSync(join(tmpdir(), 'parkinglot-bench-outbox-'));
  const outbox = await Outbox.open({
    filename: join(dir, 'outbox.sqlite'),
    clock: systemClock,
    maxEvents: events * 2,
  });
  const close = async () => {
    await outbox.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const facility = await bench.call('POST', '/api/facilities', { name: 'Outbox bench' });
    const { ctx } = bench.cloud;
    const gate = await registerGate(ctx, facility.body.id, {
      name: 'drain',
      direction: kind === 'ended' ? 'exit' : 'entry',
    });
    const plate = (i: number) => `OB${gate.id.slice(-6)}${i}`;
    if (kind === 'ended') {
      const entry = await registerGate(ctx, facility.body.id, { name: 'seed', direction: 'entry' });
      const entryRow = await ctx.db
        .selectFrom('gates')
        .selectAll()
        .where('id', '=', entry.id)
        .executeTakeFirstOrThrow();
      const at = new Date().toISOString();
      for (let i = 0; i < events; i += 200) {
        const batch = Array.from({ length: Math.min(200, events - i) }, (_, k) => ({
          eventId: `seed-${gate.id}-${i + k}`,
          type: 'Started',
          credential: { kind: 'plate', value: plate(i + k) },
          at,
        }));
        await ingestGateEvents(ctx, entryRow, JSON.stringify({ events: batch }));
        if ((i + 200) % 10_000 === 0) progress(`seeded ${i + 200}/${events} cars inside`);
      }
    }
    const t0 = performance.now();
    for (let i = 0; i < events; i++) {
      await outbox.append(
        kind === 'ended'
          ? { type: 'Ended', credential: { kind: 'plate', value: plate(i) } }
          : { type: 'Denied', credential: { kind: 'plate', value: plate(i) }, reason: 'bench' },
      );
      if ((i + 1) % 10_000 === 0) progress(`appended ${i + 1}/${events}`);
    }
    const appendPerSecond = events / ((performance.now() - t0) / 1000);

    const drain = async (say: (line: string) => void = progress) => {
      const log = createLogger('bench-outbox', 'error');
      const mqtt = new MqttConnection({
        url: bench.cloud.mqttUrl,
        username: gate.id,
        password: gate.mqtt.password,
        clientId: gate.id,
        log,
      });
      const deliverer = new OutboxDeliverer({
        gateId: gate.id,
        outbox,
        mqtt,
        clock: systemClock,
        log,
        batchSize: 200,
        ackTimeoutMs: 30_000,
      });
      await deliverer.start();
      const t1 = performance.now();
      await mqtt.start();
      deliverer.kick();
      while (outbox.depth > 0) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (Math.round(performance.now() - t1) % 5000 < 50) say(`draining: ${outbox.depth} left`);
      }
      const perSecond = events / ((performance.now() - t1) / 1000);
      await deliverer.stop();
      await mqtt.stop();
      return perSecond;
    };
    const noneLost = async () => {
      const row = await ctx.db
        .selectFrom('gate_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('gate_id', '=', gate.id)
        .where('outcome', '=', kind === 'ended' ? 'applied' : 'recorded')
        .executeTakeFirstOrThrow();
      const open = await ctx.db
        .selectFrom('parking_sessions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('facility_id', '=', facility.body.id)
        .where('status', '=', 'open')
        .executeTakeFirstOrThrow();
      return Number(row.n) === events && Number(open.n) === 0;
    };
    return { events, appendPerSecond, drain, noneLost, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export async function outboxBench(
  bench: BenchCloud,
  events: number,
  kind: OutboxKind,
  progress: (line: string) => void,
): Promise<OutboxResult> {
  const backlog = await prepareBacklog(bench, events, kind, progress);
  try {
    const drainPerSecond = await backlog.drain();
    return {
      events,
      appendPerSecond: backlog.appendPerSecond,
      drainPerSecond,
      noneLost: await backlog.noneLost(),
    };
  } finally {
    await backlog.close();
  }
}

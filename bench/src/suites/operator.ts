/**
 * What an operator waits for: a gate command's round trip (checked, recorded, sent, answered,
 * recorded) over HTTP, from a reservation's commit to its event on the live view's stream, and a
 * Prometheus scrape. One request at a time: these are latencies, not a load.
 */
import type { Socket } from 'node:net';
import { type GateCommand, topics } from '@parkinglot/shared';
import mqtt from 'mqtt';
import type { BenchCloud } from '../lib/cloud.js';
import { Latency, type LatencySummary } from '../lib/histogram.js';

export interface OperatorResult {
  command: LatencySummary;
  stream: LatencySummary;
  scrape: LatencySummary;
  scrapeBytes: number;
}

export async function operatorBench(
  bench: BenchCloud,
  plan: { facilityId: string; gate: { id: string; password: string }; rounds: number },
): Promise<OperatorResult> {
  const { gate } = plan;
  // The gate: online, and carrying out every command at once.
  const client = await mqtt.connectAsync(bench.cloud.mqttUrl, {
    username: gate.id,
    password: gate.password,
    clientId: gate.id,
    reconnectPeriod: 0,
  });
  (client.stream as Socket).setNoDelay(true);
  client.on('message', (_topic, payload) => {
    const command = JSON.parse(payload.toString()) as GateCommand;
    client.publish(
      topics.commandResponse(gate.id),
      JSON.stringify({ commandId: command.commandId, ok: true, at: new Date().toISOString() }),
      { qos: 1 },
    );
  });
  await client.subscribeAsync(topics.command(gate.id), { qos: 1 });
  await client.publishAsync(topics.availability(gate.id), 'online', { qos: 1, retain: true });
  while (!bench.cloud.gateStatus.isOnline(gate.id)) await new Promise((r) => setTimeout(r, 20));

  const command = new Latency();
  for (let i = 0; i < plan.rounds; i++) {
    const started = performance.now();
    const r = await bench.call('POST', `/api/gates/${gate.id}/commands`, { action: 'open', reason: 'bench' });
    if (r.status !== 200) throw new Error(`command: ${r.status} ${JSON.stringify(r.body)}`);
    command.record(performance.now() - started);
  }
  await client.endAsync();

  const stream = await streamLatency(bench, plan.facilityId, plan.rounds);

  const scrape = new Latency();
  let scrapeBytes = 0;
  for (let i = 0; i < Math.min(plan.rounds, 50); i++) {
    const started = performance.now();
    const response = await fetch(`${bench.cloud.httpUrl}/metrics`, {
      headers: { authorization: `Bearer ${bench.cloud.operatorToken}` },
    });
    scrapeBytes = (await response.text()).length;
    scrape.record(performance.now() - started);
  }
  return { command: command.summary(), stream, scrape: scrape.summary(), scrapeBytes };
}

/** From sending a reservation to reading its SpaceReserved on /api/stream (the live view's path). */
async function streamLatency(bench: BenchCloud, facilityId: string, rounds: number): Promise<LatencySummary> {
  const space = (
    await bench.call('POST', `/api/facilities/${facilityId}/spaces`, { label: 'BENCH-LIVE', floor: 1 })
  ).body.id as string;
  const member = (await bench.call('POST', '/api/members', { name: 'Live bench', plates: ['LIVE1'] })).body;
  const controller = new AbortController();
  const response = await fetch(`${bench.cloud.httpUrl}/api/stream`, {
    headers: { authorization: `Bearer ${bench.cloud.operatorToken}` },
    signal: controller.signal,
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const nextReserved = async () => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.includes('"type":"SpaceReserved"')) return;
        continue;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended');
      buffer += value;
    }
  };
  const latency = new Latency();
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    const seen = nextReserved();
    const made = await bench.call(
      'POST',
      '/api/reservations',
      { spaceId: space, plate: 'LIVE1' },
      member.token,
    );
    await seen;
    latency.record(performance.now() - started);
    await bench.call('POST', `/api/reservations/${made.body.id}/cancel`, undefined, member.token);
  }
  controller.abort();
  return latency.summary();
}

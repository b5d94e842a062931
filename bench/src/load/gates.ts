/**
 * The load generator, run as a process of its own so the gates' work is not counted against the
 * cloud: connects N gates over MQTT (TCP_NODELAY), then sends entry authorization requests either
 * closed-loop (each gate asks again as soon as it has its answer) or open-loop (a fixed total rate,
 * spread over the gates, whatever the answers do). Prints one JSON line with the results.
 */
import type { Socket } from 'node:net';
import { topics } from '@parkinglot/shared';
import mqtt, { type MqttClient } from 'mqtt';
import { Latency, type LatencySummary } from '../lib/histogram.js';
import { serveChild } from './child.js';

export interface LoadSpec {
  url: string;
  gates: { id: string; password: string }[];
  mode: 'closed' | 'open';
  /** open loop: requests per second over all gates. */
  rate?: number;
  durationMs: number;
  warmupMs: number;
  /** The plates asked for, in turn: request k asks for plates[k % length]. */
  plates: string[];
}

export interface LoadResult {
  connected: number;
  connectMs: number;
  sent: number;
  answered: number;
  throughput: number;
  latency: LatencySummary;
  decisions: Record<string, number>;
}

async function connect(url: string, gate: { id: string; password: string }): Promise<MqttClient> {
  const client = mqtt.connect(url, {
    clientId: gate.id,
    username: gate.id,
    password: gate.password,
    reconnectPeriod: 0,
    connectTimeout: 30_000,
    keepalive: 120,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => {
      (client.stream as Socket).setNoDelay?.(true);
      resolve();
    });
    client.once('error', reject);
  });
  await client.subscribeAsync(topics.authResponse(gate.id), { qos: 1 });
  return client;
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  const started = performance.now();
  const clients: MqttClient[] = [];
  // Connect in waves: 10,000 simultaneous handshakes would measure the listen backlog, not us.
  for (let i = 0; i < spec.gates.length; i += 200) {
    clients.push(...(await Promise.all(spec.gates.slice(i, i + 200).map((g) => connect(spec.url, g)))));
  }
  const connectMs = performance.now() - started;
  const latency = new Latency();
  const decisions: Record<string, number> = {};
  /** Due time, and whether it was sent inside the measured window (only those count for latency). */
  const pending = new Map<string, { at: number; measured: boolean }>();
  let sent = 0;
  let answered = 0;
  let measuring = false;
  let running = true;
  let seq = 0;

  // In the open loop a request is due at its place in the schedule, not when it leaves.
  const requestTopics = spec.gates.map((g) => topics.authRequest(g.id));
  /** Gate i asks; `at` is when the request was due. */
  const ask = (i: number, at = performance.now()) => {
    const requestId = `r${++seq}`;
    pending.set(requestId, { at, measured: measuring });
    if (measuring) sent += 1;
    clients[i]!.publish(
      requestTopics[i]!,
      JSON.stringify({
        requestId,
        credential: { kind: 'plate', value: spec.plates[seq % spec.plates.length] },
        at: new Date().toISOString(),
      }),
      { qos: 1 },
    );
  };
  clients.forEach((client, i) => {
    client.on('message', (_topic, payload) => {
      const answer = JSON.parse(payload.toString()) as {
        requestId: string;
        decision: string;
        reason: string;
      };
      const request = pending.get(answer.requestId);
      if (request === undefined) return;
      pending.delete(answer.requestId);
      // A request sent during the warm-up is not timed: its wait began before the window did.
      if (request.measured) latency.record(performance.now() - request.at);
      if (measuring) {
        answered += 1;
        decisions[`${answer.decision}:${answer.reason}`] =
          (decisions[`${answer.decision}:${answer.reason}`] ?? 0) + 1;
      }
      if (spec.mode === 'closed' && running) ask(i);
    });
  });

  let ticker: NodeJS.Timeout | null = null;
  if (spec.mode === 'closed') {
    for (let i = 0; i < clients.length; i++) ask(i);
  } else {
    // Open loop: requests leave on a schedule, never held back by slow answers. Each tick sends
    // every request due by now (a late tick catches up), and a request's latency counts from when it
    // was due, so a stall on either side shows in the figures instead of hiding in fewer requests.
    const rate = spec.rate ?? 1000;
    const start = performance.now();
    let due = 0;
    ticker = setInterval(() => {
      const now = performance.now();
      while (start + (due * 1000) / rate <= now) {
        const i = due % clients.length;
        ask(i, start + (due * 1000) / rate);
        due += 1;
      }
    }, 2);
  }
  await new Promise((resolve) => setTimeout(resolve, spec.warmupMs));
  measuring = true;
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, spec.durationMs));
  measuring = false;
  const elapsed = performance.now() - t0;
  running = false;
  if (ticker) clearInterval(ticker);
  await Promise.all(clients.map((c) => c.endAsync(true)));
  return {
    connected: clients.length,
    connectMs,
    sent,
    answered,
    throughput: answered / (elapsed / 1000),
    latency: latency.summary(),
    decisions,
  };
}

serveChild(run);

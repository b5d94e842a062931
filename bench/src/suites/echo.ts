/**
 * The transport's own limit: the same embedded broker and MQTT clients, with a responder that
 * answers at once without a database. What authorization costs on top is measured against this.
 */
import { startEmbeddedBroker } from '@parkinglot/cloud';
import { createLogger } from '@parkinglot/platform/log';
import { MqttConnection } from '@parkinglot/platform/mqtt';
import { parseGateTopic, topics } from '@parkinglot/shared';
import type { LoadResult } from '../load/gates.js';
import { runLoad, warmupFor } from '../load/run-load.js';

export async function echoLimit(gates: number, durationMs: number): Promise<LoadResult> {
  const log = createLogger('bench-echo', 'error');
  const broker = await startEmbeddedBroker({
    host: '127.0.0.1',
    port: 0,
    log,
    authenticate: async (username) =>
      username === 'responder' ? { role: 'service' } : { role: 'gate', gateId: username },
  });
  const responder = new MqttConnection({
    url: `mqtt://127.0.0.1:${broker.port}`,
    username: 'responder',
    password: 'x',
    clientId: 'responder',
    log,
  });
  await responder.subscribe(topics.allAuthRequests, (topic, payload) => {
    const { requestId } = JSON.parse(payload.toString()) as { requestId: string };
    const gate = parseGateTopic(topic);
    if (!gate) return;
    responder.publishNoWait(
      topics.authResponse(gate.gateId),
      JSON.stringify({ requestId, decision: 'deny', reason: 'no_reservation' }),
      { qos: 1 },
    );
  });
  await responder.start();
  try {
    return await runLoad({
      url: `mqtt://127.0.0.1:${broker.port}`,
      gates: Array.from({ length: gates }, (_, i) => ({ id: `gate_echo${i}`, password: 'x' })),
      mode: 'closed',
      durationMs,
      warmupMs: warmupFor(durationMs),
      plates: ['BENCH1'],
    });
  } finally {
    await responder.stop();
    await broker.close();
  }
}

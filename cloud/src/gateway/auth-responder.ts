/**
 * Answers `parking/gates/{g}/auth/request` on `…/auth/response`. The gate id comes from the topic,
 * which the broker's ACL lets only that gate publish on; the answer always goes back, deny included,
 * so a gate never waits out its timeout when the cloud has already decided.
 */

import { performance } from 'node:perf_hooks';
import { sharedFilter } from '@parkinglot/platform/mqtt';
import { parseGateTopic, topics } from '@parkinglot/shared';
import { type DecisionStage, decideEntry } from '../domain/authorization.js';
import type { GatewayDeps } from './port.js';

/**
 * An answer slower than this is logged as a warning with its stages: a quarter of the gate's default
 * 800 ms timeout, so a cloud drifting towards false denies says so before a gate gives up.
 */
export const SLOW_ANSWER_MS = 200;

export class AuthResponder {
  constructor(private readonly deps: GatewayDeps) {}

  async start(): Promise<void> {
    await this.deps.mqtt.subscribe(
      sharedFilter(this.deps.shareGroup, topics.allAuthRequests),
      (topic, payload) => this.handle(topic, payload),
      1,
    );
  }

  async handle(topic: string, payload: Buffer): Promise<void> {
    const parsed = parseGateTopic(topic);
    if (!parsed) {
      this.deps.metrics.authProblems.inc({ problem: 'bad_topic' });
      return;
    }
    const { gateId } = parsed;
    const received = performance.now();
    const stages: [DecisionStage | 'answered', number][] = [];
    const response = await decideEntry(this.deps.ctx, {
      gateId,
      payload,
      lookupGate: (id) => this.deps.gates.get(id),
      trace: (stage) => stages.push([stage, performance.now()]),
    });
    this.deps.metrics.authDecisions.inc({ decision: response.decision, reason: response.reason });
    try {
      await this.deps.mqtt.publish(topics.authResponse(gateId), JSON.stringify(response), { qos: 1 });
    } catch (error) {
      // The gate times out and denies: fail closed. An allow already recorded lapses with its window.
      this.deps.metrics.authProblems.inc({ problem: 'response_lost' });
      this.deps.ctx.log.warn(`could not answer gate ${gateId} request ${response.requestId}`, error);
      return;
    }
    const answered = performance.now();
    stages.push(['answered', answered]);
    this.deps.metrics.authSeconds.observe({ decision: response.decision }, (answered - received) / 1000);
    const slow = answered - received >= SLOW_ANSWER_MS;
    if (slow) this.deps.metrics.authProblems.inc({ problem: 'slow' });
    this.deps.ctx.log[slow ? 'warn' : 'debug'](
      () =>
        `${slow ? 'slow answer: ' : ''}gate ${gateId} request ${response.requestId}: ${response.decision} ` +
        `(${response.reason}) in ${(answered - received).toFixed(1)} ms: ${timeline(received, stages)}`,
    );
  }
}

/** `judged +0.4 ms, locked +310.2 ms, committed +2.1 ms, answered +0.3 ms`: each stage after the one before. */
function timeline(start: number, stages: [string, number][]): string {
  let last = start;
  return stages
    .map(([stage, at]) => {
      const step = at - last;
      last = at;
      return `${stage} +${step.toFixed(1)} ms`;
    })
    .join(', ');
}

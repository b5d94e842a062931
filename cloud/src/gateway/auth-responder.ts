/**
 * Answers `parking/gates/{g}/auth/request` on `…/auth/response`. The gate id comes from the topic,
 * which the broker's ACL lets only that gate publish on; the answer always goes back, deny included,
 * so a gate never waits out its timeout when the cloud has already decided.
 */
import { parseGateTopic, topics } from '@parkinglot/shared';
import { decideEntry } from '../domain/authorization.js';
import type { GatewayDeps } from './port.js';

export class AuthResponder {
  constructor(private readonly deps: GatewayDeps) {}

  async start(): Promise<void> {
    await this.deps.mqtt.subscribe(
      topics.allAuthRequests,
      (topic, payload) => this.handle(topic, payload),
      1,
    );
  }

  async handle(topic: string, payload: Buffer): Promise<void> {
    const parsed = parseGateTopic(topic);
    if (!parsed) {
      this.deps.counters.inc('auth.bad_topic');
      return;
    }
    const { gateId } = parsed;
    const response = await decideEntry(this.deps.ctx, {
      gateId,
      payload,
      lookupGate: (id) => this.deps.gates.get(id),
    });
    this.deps.counters.inc(`auth.${response.decision}`);
    if (response.decision === 'deny') this.deps.counters.inc(`auth.deny.${response.reason}`);
    this.deps.ctx.log.debug(
      () => `gate ${gateId} request ${response.requestId}: ${response.decision} (${response.reason})`,
    );
    try {
      await this.deps.mqtt.publish(topics.authResponse(gateId), JSON.stringify(response), { qos: 1 });
    } catch (error) {
      // The gate times out and denies: fail closed. An allow already recorded lapses with its window.
      this.deps.counters.inc('auth.response_lost');
      this.deps.ctx.log.warn(`could not answer gate ${gateId} request ${response.requestId}`, error);
    }
  }
}

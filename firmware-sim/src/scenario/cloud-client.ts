/**
 * What the scenarios see of the cloud: its HTTP API as an operator and a member would use it, and
 * its domain events on `parking/events/#` as an integrator would subscribe to them.
 */
import type { Socket } from 'node:net';
import { Api } from '@parkinglot/cloud/api-client';
import { topics } from '@parkinglot/shared';
import mqtt, { type MqttClient } from 'mqtt';

export interface DomainEventMessage {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

export class CloudClient {
  private client: MqttClient | null = null;
  private readonly seen = new Map<number, DomainEventMessage>();
  private readonly waiters = new Set<() => void>();

  /** The HTTP API, as the operator unless a call names a member's token. */
  readonly api: Api;

  constructor(
    readonly httpUrl: string,
    readonly mqttUrl: string,
    readonly operatorToken: string,
  ) {
    this.api = new Api(httpUrl, operatorToken);
  }

  /** Follows the domain events (at least once: repeats are dropped by seq); reconnects by itself. */
  async watch(): Promise<void> {
    const client = mqtt.connect(this.mqttUrl, {
      username: 'operator',
      password: this.operatorToken,
      reconnectPeriod: 200,
      resubscribe: false,
      clientId: `operator-scenario-${process.pid}-${Date.now()}`,
    });
    // Subscribed on every connect (after the cloud restarts its broker knows nothing of us), then
    // whatever was published while we were away is fetched from the log by seq.
    const subscribed = new Promise<void>((resolve) => {
      client.on('connect', () => {
        (client.stream as Socket).setNoDelay?.(true);
        client.subscribe(topics.allDomainEvents, { qos: 1 }, () => {
          void this.catchUp().finally(resolve);
        });
      });
    });
    client.on('error', () => undefined);
    client.on('message', (_topic, payload) => {
      try {
        this.add(JSON.parse(payload.toString('utf8')) as DomainEventMessage);
      } catch {
        // Not a domain event: nothing to follow.
      }
    });
    this.client = client;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`could not follow ${this.mqttUrl} within 15 s`)), 15_000);
    });
    try {
      await Promise.race([subscribed, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves once a retained or live message on `topic` satisfies `match`. */
  async waitForMessage(topic: string, match: (payload: string) => boolean, timeoutMs: number): Promise<void> {
    const client = this.client;
    if (!client) throw new Error('call watch() first');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.off('message', onMessage);
        void client.unsubscribeAsync(topic).catch(() => undefined);
        reject(new Error(`nothing on ${topic} matched within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (t: string, payload: Buffer) => {
        if (t !== topic || !match(payload.toString())) return;
        clearTimeout(timer);
        client.off('message', onMessage);
        void client.unsubscribeAsync(topic).catch(() => undefined);
        resolve();
      };
      client.on('message', onMessage);
      void client.subscribeAsync(topic, { qos: 1 }).catch(() => undefined);
    });
  }

  /** The gate's retained availability says `online` (its agent is connected). */
  gateOnline(gateId: string, timeoutMs: number): Promise<void> {
    return this.waitForMessage(topics.availability(gateId), (p) => p === 'online', timeoutMs);
  }

  /** The gate's retained state reports an empty outbox: everything it recorded was acked. */
  gateOutboxEmpty(gateId: string, timeoutMs: number): Promise<void> {
    return this.waitForMessage(
      topics.state(gateId),
      (p) => (JSON.parse(p) as { outboxDepth?: number }).outboxDepth === 0,
      timeoutMs,
    );
  }

  private add(event: DomainEventMessage): void {
    if (typeof event.seq !== 'number' || this.seen.has(event.seq)) return;
    this.seen.set(event.seq, event);
    for (const wake of [...this.waiters]) wake();
  }

  /** Fills gaps from the cloud's event log over HTTP (GET /api/events?after=). Never throws. */
  async catchUp(): Promise<void> {
    try {
      let after = 0;
      for (;;) {
        const page = await this.api.expect<{ events: DomainEventMessage[] }>(
          200,
          'GET',
          `/api/events?after=${after}&limit=1000`,
        );
        for (const event of page.events) this.add(event);
        if (page.events.length < 1000) return;
        after = page.events.at(-1)!.seq;
      }
    } catch {
      // The cloud is away; the next connect catches up.
    }
  }

  events(): DomainEventMessage[] {
    return [...this.seen.values()].sort((a, b) => a.seq - b.seq);
  }

  /** The first domain event matching `match`, waiting up to `timeoutMs` for it; null if none came. */
  async waitFor(
    match: (e: DomainEventMessage) => boolean,
    timeoutMs: number,
  ): Promise<DomainEventMessage | null> {
    const found = () => this.events().find(match) ?? null;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = found();
      if (event) return event;
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  async close(): Promise<void> {
    await this.client?.endAsync(true);
  }
}

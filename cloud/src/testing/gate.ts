/** A gate's side of the MQTT contract, for tests: request/response by requestId, events and acks. */
import type { Socket } from 'node:net';
import { type AuthResponse, type EventsAck, topics } from '@parkinglot/shared';
import mqtt, { type MqttClient } from 'mqtt';

export class TestGate {
  private readonly pending = new Map<string, (r: AuthResponse) => void>();
  readonly acks: EventsAck[] = [];
  private ackWaiters: (() => void)[] = [];
  private seq = 0;

  private constructor(
    readonly gateId: string,
    readonly client: MqttClient,
  ) {
    client.on('message', (topic, payload) => {
      // Only its own answers are this helper's to read; a test reads the rest itself.
      if (topic !== topics.authResponse(gateId) && topic !== topics.eventsAck(gateId)) return;
      const body = JSON.parse(payload.toString('utf8'));
      if (topic === topics.authResponse(gateId)) this.pending.get(body.requestId)?.(body);
      if (topic === topics.eventsAck(gateId)) {
        this.acks.push(body);
        for (const wake of this.ackWaiters.splice(0)) wake();
      }
    });
  }

  static async connect(url: string, username: string, password: string): Promise<TestGate> {
    const client = mqtt.connect(url, {
      username,
      password,
      // A gate's client id is its gate id (its login's username): the broker refuses any other.
      clientId: username,
      reconnectPeriod: 100,
      connectTimeout: 2000,
    });
    client.on('connect', () => (client.stream as Socket).setNoDelay?.(true));
    await new Promise<void>((resolve, reject) => {
      const refused = (error: Error) => {
        // A refused login would otherwise go on retrying in the background.
        client.end(true);
        reject(error);
      };
      client.once('error', refused);
      client.once('connect', () => {
        client.off('error', refused);
        resolve();
      });
    });
    await client.subscribeAsync([topics.authResponse(username), topics.eventsAck(username)], { qos: 1 });
    return new TestGate(username, client);
  }

  async authorize(
    credential: { kind: 'plate' | 'rfid'; value: string },
    timeoutMs = 5000,
  ): Promise<AuthResponse> {
    const requestId = `req-${this.gateId}-${++this.seq}`;
    return this.request({ requestId, credential, at: new Date().toISOString() }, requestId, timeoutMs);
  }

  /** Sends any payload (malformed ones too) and waits for the response carrying `requestId`. */
  request(payload: unknown, requestId: string, timeoutMs = 5000): Promise<AuthResponse> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no auth response for ${requestId}`)), timeoutMs);
      this.pending.set(requestId, (r) => {
        clearTimeout(timer);
        this.pending.delete(requestId);
        resolve(r);
      });
      const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
      this.client.publish(topics.authRequest(this.gateId), body, { qos: 1 });
    });
  }

  /** Publishes an events payload and waits for the ack that names `waitFor` (or any ack). */
  async sendEvents(payload: unknown, waitFor?: string, timeoutMs = 5000): Promise<EventsAck> {
    const seen = this.acks.length;
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    await this.client.publishAsync(topics.events(this.gateId), body, { qos: 1 });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ack = this.acks
        .slice(seen)
        .find(
          (a) => !waitFor || a.eventIds.includes(waitFor) || a.rejected?.some((r) => r.eventId === waitFor),
        );
      if (ack) return ack;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ack for ${waitFor ?? 'events'}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.ackWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

export const event = (
  type: string,
  credential: { kind: 'plate' | 'rfid'; value: string } | undefined,
  extra: Record<string, unknown> = {},
) => ({
  eventId: `evt-${Math.random().toString(36).slice(2, 12)}`,
  type,
  ...(credential ? { credential } : {}),
  at: new Date().toISOString(),
  ...extra,
});

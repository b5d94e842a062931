/**
 * MqttConnection: the one owner of an MQTT.js client's lifecycle on the cloud side (in the spirit
 * of zigbee2mqtt's lib/mqtt.ts: nobody else touches the client). It sets TCP_NODELAY on every
 * socket, re-sends its subscriptions itself after every reconnect, keeps handler failures away
 * from the process, and makes "not connected" an explicit answer instead of a silent offline queue.
 */
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import type { MqttClient } from 'mqtt';
import type { Logger } from '../log/logger.js';
import { type Clock, systemClock } from '../time/clock.js';
import {
  createMqttClient,
  describeMqttError as describe,
  parseTcpUrl,
  type TcpTarget,
} from './client-factory.js';
import {
  type MqttConnectionOptions,
  MqttNotConnectedError,
  type PublishOptions,
} from './connection-types.js';
import { type MessageHandler, type QoS, SubscriptionRegistry } from './subscriptions.js';
import { isValidFilter } from './topic-filter.js';

export * from './connection-types.js';

type MqttError = Error & { code?: unknown };

export class MqttConnection extends EventEmitter<{ connected: []; disconnected: [] }> {
  private client: MqttClient | undefined;
  private readonly subscriptions: SubscriptionRegistry;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly target: TcpTarget;
  private readonly inFlight = new Set<(error: Error) => void>();
  private abortStart: ((error: Error) => void) | undefined;
  private up = false;

  constructor(private readonly options: MqttConnectionOptions) {
    super();
    this.log = options.log;
    this.clock = options.clock ?? systemClock;
    this.subscriptions = new SubscriptionRegistry(options.log);
    this.target = parseTcpUrl(options.url, options.username, options.password);
  }

  get isConnected(): boolean {
    return this.client?.connected === true;
  }

  /** The current TCP socket, for diagnostics and tests. */
  get socket(): net.Socket | undefined {
    return this.client?.stream as net.Socket | undefined;
  }

  /**
   * Connects; resolves once connected and subscribed. Rejects at once when the broker refuses the
   * CONNECT (bad credentials: retrying will not help), and after connectTimeoutMs when it cannot
   * be reached (naming the last socket error); with `keepTrying` it goes on reconnecting after
   * that rejection. Once connected, reconnection is automatic.
   */
  start(): Promise<void> {
    if (this.client) return Promise.reject(new Error('MqttConnection already started'));
    const reconnectPeriodMs = this.options.reconnectPeriodMs ?? 1000;
    const client = createMqttClient(this.target, { ...this.options, reconnectPeriodMs });
    this.client = client;
    let lastError: MqttError | undefined;
    this.watch(client, (error) => {
      lastError = error;
    });

    const { label } = this.target;
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        this.abortStart = undefined;
        this.clock.clearTimeout(timer);
        this.off('connected', onConnected);
        client.off('error', onError);
        if (!error) return resolve();
        if (!this.options.keepTrying) {
          client.end(true);
          if (this.client === client) this.client = undefined;
        }
        reject(error);
      };
      const onConnected = () => settle();
      // A numeric code is a CONNACK return code: the broker refused us [MQTT-3.2.2-5].
      const onError = (error: MqttError) => {
        if (typeof error.code === 'number')
          settle(new Error(`MQTT connect to ${label} failed: ${describe(error)}`));
      };
      const timer = this.clock.setTimeout(() => {
        const cause = lastError ? `: ${describe(lastError)}` : '';
        settle(
          new Error(`MQTT connect to ${label} timed out after ${timeoutMs} ms${cause}`, { cause: lastError }),
        );
      }, timeoutMs);
      this.abortStart = settle;
      this.once('connected', onConnected);
      client.on('error', onError);
    });
  }

  /**
   * Subscribes `handler` to `filter` and remembers it for every later reconnect. Resolves on the
   * SUBACK; rejects (and forgets the handler) if the broker refuses the filter. Called while
   * disconnected it resolves at once: the filter is sent with the others on the next connect.
   */
  async subscribe(filter: string, handler: MessageHandler, qos: QoS = 1): Promise<void> {
    if (!isValidFilter(filter)) throw new Error(`invalid MQTT topic filter ${JSON.stringify(filter)}`);
    this.subscriptions.add(filter, handler, qos);
    const client = this.client;
    if (!client?.connected) return;
    try {
      await this.sendSubscribe(client, filter, this.subscriptions.qosOf(filter) ?? qos);
    } catch (error) {
      this.subscriptions.remove(filter, handler);
      throw error;
    }
  }

  /**
   * Stops taking messages on `filter`: sends UNSUBSCRIBE, and does not subscribe to it again on a
   * reconnect. Its handlers still get what the broker had already queued for this session, even
   * after the UNSUBACK [MQTT-3.10.4-3]. On a share group the broker gives the group's next message
   * to another member.
   */
  async unsubscribe(filter: string): Promise<void> {
    const client = this.client;
    try {
      if (client?.connected) await client.unsubscribeAsync(filter);
    } finally {
      this.subscriptions.retire(filter);
    }
  }

  /** Resolves when the broker has the message: written for QoS 0, PUBACK for QoS 1, PUBCOMP for 2. */
  publish(topic: string, payload: string | Buffer, options: PublishOptions = {}): Promise<void> {
    const client = this.client;
    // MQTT.js would queue it offline and send it after a reconnect; the caller owns that choice.
    if (!client?.connected) return Promise.reject(new MqttNotConnectedError(topic));
    return new Promise<void>((resolve, reject) => {
      this.inFlight.add(reject);
      const done = (error?: Error) => {
        this.inFlight.delete(reject);
        if (error) reject(error);
        else resolve();
      };
      try {
        client.publish(topic, payload, { qos: options.qos ?? 1, retain: options.retain ?? false }, done);
      } catch (error) {
        done(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Fire and forget: false (nothing sent) when disconnected; failures are logged. */
  publishNoWait(topic: string, payload: string | Buffer, options: PublishOptions = {}): boolean {
    if (!this.isConnected) return false;
    this.publish(topic, payload, options).catch((error: unknown) =>
      this.log.warn(`MQTT publish on ${topic} failed`, error),
    );
    return true;
  }

  /**
   * Ends the session with DISCONNECT, so the broker discards the will [MQTT-3.14.4-3]. In-flight
   * publishes get `graceMs` to be acknowledged; whatever is still pending then is rejected.
   * The connection can be started again afterwards.
   */
  async stop(graceMs = 5_000): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = undefined; // from here on, close events of this client are expected
    this.abortStart?.(new Error(`MQTT connection to ${this.target.label} stopped before it connected`));
    let timer: unknown;
    await Promise.race([
      new Promise<void>((resolve) => client.end(!client.connected, {}, () => resolve())),
      new Promise<void>((resolve) => {
        timer = this.clock.setTimeout(() => resolve(void client.stream?.destroy()), graceMs);
      }),
    ]);
    this.clock.clearTimeout(timer);
    for (const reject of this.inFlight)
      reject(new Error('MQTT connection stopped before the broker acknowledged'));
    this.inFlight.clear();
    if (this.up) {
      this.up = false;
      this.emit('disconnected');
    }
    client.removeAllListeners();
    client.on('error', () => {}); // a late socket error must not become an unhandled 'error' event
  }

  private watch(client: MqttClient, onError: (error: MqttError) => void): void {
    const { label } = this.target;
    let lastMessage: string | undefined;
    client.on('connect', () => {
      lastMessage = undefined;
      void this.resubscribe(client).then(() => {
        if (!client.connected || this.client !== client) return;
        this.up = true;
        this.log.info(`MQTT connected to ${label}`);
        this.emit('connected'); // after the SUBACKs: messages on our filters can arrive from now on
      });
    });
    client.on('error', (error: MqttError) => {
      onError(error);
      // While the broker stays away the same error repeats every reconnect period: warn once.
      if (error.message === lastMessage) this.log.debug(() => `MQTT ${label}: ${describe(error)}`);
      else this.log.warn(`MQTT ${label}: ${describe(error)}`);
      lastMessage = error.message;
    });
    client.on('close', () => {
      if (!this.up) return;
      this.up = false;
      if (this.client === client) this.log.warn(`MQTT disconnected from ${label}; reconnecting`);
      else this.log.info(`MQTT disconnected from ${label}`);
      this.emit('disconnected');
    });
    client.on('message', (topic, payload, packet) =>
      this.subscriptions.dispatch(topic, payload, { retain: packet.retain === true }),
    );
  }

  /** [MQTT-3.8.4-3] re-sending an existing filter just replaces it, so this is always safe. */
  private async resubscribe(client: MqttClient): Promise<void> {
    const sent = this.subscriptions
      .all()
      .map(({ filter, qos }) =>
        this.sendSubscribe(client, filter, qos).catch((error: unknown) =>
          this.log.error(`MQTT resubscribe to ${filter} failed`, error),
        ),
      );
    await Promise.all(sent);
  }

  private async sendSubscribe(client: MqttClient, filter: string, qos: QoS): Promise<void> {
    // SUBACK 0x80 (Failure) makes MQTT.js reject with the SUBACK packet attached.
    const granted = await client.subscribeAsync(filter, { qos });
    this.log.debug(() => `MQTT subscribed to ${filter}: ${JSON.stringify(granted)}`);
  }
}

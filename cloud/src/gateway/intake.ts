/**
 * The requests this instance takes in over MQTT (the gates' entry requests and events, operators'
 * commands), kept so that it can stop taking them. The features subscribe through it as through the
 * connection itself; `close` unsubscribes every filter they asked for (on a share group the broker
 * gives the next request to another instance, on the embedded broker nobody takes it and the gate
 * denies on its own timeout) and then waits until each request already taken has been answered.
 */
import type { Logger } from '@parkinglot/platform/log';
import type { MessageHandler, MqttPort } from './port.js';

export interface UnsubscribingPort extends MqttPort {
  unsubscribe(filter: string): Promise<void>;
}

export class Intake implements MqttPort {
  private readonly filters = new Set<string>();
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;

  constructor(
    private readonly mqtt: UnsubscribingPort,
    private readonly log: Logger,
  ) {}

  get isConnected(): boolean {
    return this.mqtt.isConnected;
  }

  /** Requests taken and not yet answered. */
  get inFlight(): number {
    return this.running.size;
  }

  async subscribe(filter: string, handler: MessageHandler, qos?: 0 | 1): Promise<void> {
    if (this.closed) throw new Error(`intake closed: not subscribing to ${filter}`);
    this.filters.add(filter);
    await this.mqtt.subscribe(
      filter,
      (topic, payload, info) => this.track(handler(topic, payload, info)),
      qos,
    );
  }

  publish(topic: string, payload: string | Buffer, options: { qos: 0 | 1; retain?: boolean }): Promise<void> {
    return this.mqtt.publish(topic, payload, options);
  }

  /** Takes no more requests, and resolves once every one taken has been handled. Never rejects. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.filters].map((filter) =>
        this.mqtt
          .unsubscribe(filter)
          .catch((error: unknown) => this.log.warn(`could not unsubscribe from ${filter}`, error)),
      ),
    );
    this.filters.clear();
    // A message the broker sent before its UNSUBACK may have started another handler meanwhile.
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private track(result: void | Promise<void>): void | Promise<void> {
    if (!(result instanceof Promise)) return result;
    this.running.add(result);
    void result.then(
      () => this.running.delete(result),
      () => this.running.delete(result),
    );
    return result;
  }
}

/**
 * The subscriptions an MqttConnection has asked for, remembered so they can be sent again on
 * every (re)connect, and the dispatch of incoming messages to their handlers. A handler that
 * throws or rejects is logged here and never reaches the MQTT client or the process.
 */
import type { Logger } from '../log/logger.js';
import { matchingFilter, topicMatches } from './topic-filter.js';

export type QoS = 0 | 1 | 2;
/** What a handler is told of a message beside its topic and payload. */
export interface MessageInfo {
  /** Delivered from the broker's store to a new subscription [MQTT-3.3.1-8], not published now. */
  retain: boolean;
}

export type MessageHandler = (topic: string, payload: Buffer, info: MessageInfo) => void | Promise<void>;

interface Entry {
  qos: QoS;
  handlers: MessageHandler[];
  /** Unsubscribed: not sent again on a reconnect, but what the broker still delivers is handled. */
  retired?: boolean;
}

export class SubscriptionRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly log: Logger) {}

  /** Remembers `handler` for `filter`; the filter is subscribed at the highest QoS asked for. */
  add(filter: string, handler: MessageHandler, qos: QoS): void {
    const entry = this.entries.get(filter);
    if (entry) {
      entry.handlers.push(handler);
      entry.qos = Math.max(entry.qos, qos) as QoS;
      entry.retired = false;
    } else {
      this.entries.set(filter, { qos, handlers: [handler] });
    }
  }

  /** Forgets `handler`; true when `filter` has no handler left (so it can be unsubscribed). */
  remove(filter: string, handler: MessageHandler): boolean {
    const entry = this.entries.get(filter);
    if (!entry) return true;
    entry.handlers = entry.handlers.filter((h) => h !== handler);
    if (entry.handlers.length > 0) return false;
    this.entries.delete(filter);
    return true;
  }

  /**
   * Unsubscribed: `filter` is not sent again after a reconnect, but its handlers keep what the broker
   * had already queued for this session before it took the UNSUBSCRIBE [MQTT-3.10.4-3].
   */
  retire(filter: string): void {
    const entry = this.entries.get(filter);
    if (entry) entry.retired = true;
  }

  qosOf(filter: string): QoS | undefined {
    return this.entries.get(filter)?.qos;
  }

  /** Every remembered filter with its QoS, for the SUBSCRIBE sent after a (re)connect. */
  all(): Array<{ filter: string; qos: QoS }> {
    return [...this.entries].filter(([, e]) => !e.retired).map(([filter, { qos }]) => ({ filter, qos }));
  }

  /**
   * Calls every handler whose filter matches. With overlapping filters (a/# and a/b) aedes sends
   * the message once (MQTT 3.1.1 section 3.3.5 allows once or once per filter) and each handler
   * gets it once.
   */
  dispatch(topic: string, payload: Buffer, info: MessageInfo = { retain: false }): void {
    for (const [filter, entry] of this.entries) {
      // A message for a shared subscription arrives on its own topic, which the share prefix hides.
      if (!topicMatches(matchingFilter(filter), topic)) continue;
      for (const handler of entry.handlers) this.invoke(handler, filter, topic, payload, info);
    }
  }

  private invoke(
    handler: MessageHandler,
    filter: string,
    topic: string,
    payload: Buffer,
    info: MessageInfo,
  ): void {
    const fail = (error: unknown) =>
      this.log.error(`handler for ${filter} failed on a message on ${topic}`, error);
    try {
      const result = handler(topic, payload, info);
      if (result instanceof Promise) result.catch(fail);
    } catch (error) {
      fail(error);
    }
  }
}

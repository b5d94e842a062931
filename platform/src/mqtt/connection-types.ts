/** The options, publish settings and errors of MqttConnection (connection.ts). */

import type { Logger } from '../log/logger.js';
import type { Clock } from '../time/clock.js';
import type { QoS } from './subscriptions.js';

export type { MessageHandler, QoS } from './subscriptions.js';

/** For mqtts://: whom to trust (PEM), and the client's own certificate if the broker asks for one. */
export interface TlsSettings {
  /** CA certificates the broker's certificate must chain to; default Node's bundled roots. */
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface MqttConnectionOptions {
  /** mqtt://host:port (plain TCP) or mqtts://host:port (TLS); mqtt://user:pass@host:port also works. */
  url: string;
  /** With mqtts://; the broker's certificate is always verified. */
  tls?: TlsSettings;
  /** Default: the URL's user name. */
  username?: string;
  /** Default: the URL's password. */
  password?: string;
  clientId: string;
  log: Logger;
  /** Published by the broker if this connection drops without DISCONNECT [MQTT-3.1.2-8]. */
  will?: { topic: string; payload: string | Buffer; retain: boolean; qos: QoS };
  /** How long start() waits for the first connection before rejecting; default 10 s. */
  connectTimeoutMs?: number;
  /**
   * Keep reconnecting when the first connection fails (start() still rejects, to say so). A gate
   * must: it boots, runs offline, and joins the cloud whenever the cloud appears. Default false.
   */
  keepTrying?: boolean;
  /** Pause between reconnect attempts; default 1 s. */
  reconnectPeriodMs?: number;
  clock?: Clock;
}

export interface PublishOptions {
  /** Default 1. */
  qos?: QoS;
  /** Default false. */
  retain?: boolean;
}

/** publish() while the connection is down: the caller decides whether to retry, queue or give up. */
export class MqttNotConnectedError extends Error {
  readonly code = 'MQTT_NOT_CONNECTED';
  constructor(topic: string) {
    super(`MQTT not connected: cannot publish on ${topic}`);
    this.name = 'MqttNotConnectedError';
  }
}

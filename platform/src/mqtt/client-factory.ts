/**
 * How MqttConnection builds its MQTT.js client: plain TCP or TLS with TCP_NODELAY on every socket,
 * MQTT 3.1.1, clean session, and no implicit resubscription (MqttConnection does it, visibly).
 */
import net from 'node:net';
import tls from 'node:tls';
import { MqttClient } from 'mqtt';
import type { TlsSettings } from './connection-types.js';
import type { QoS } from './subscriptions.js';

export interface TcpTarget {
  host: string;
  port: number;
  /** For messages: mqtt://host:port as user (never the password). */
  label: string;
  /** mqtts://: the connection is TLS. */
  tls: boolean;
  /** From the URL's userinfo (mqtt://user:pass@host), for a broker configured by URL alone. */
  username?: string;
  password?: string;
}

export interface ClientSettings {
  clientId: string;
  username?: string | undefined;
  password?: string | undefined;
  reconnectPeriodMs: number;
  will?: { topic: string; payload: string | Buffer; retain: boolean; qos: QoS } | undefined;
  tls?: TlsSettings | undefined;
}

/** Explicit credentials win over the URL's; MQTT.js's own URL parsing is bypassed, so we do it. */
export function parseTcpUrl(url: string, username?: string, password?: string): TcpTarget {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'mqtts:' || parsed.protocol === 'ssl:';
  if (!secure && parsed.protocol !== 'mqtt:' && parsed.protocol !== 'tcp:') {
    throw new Error(
      `unsupported MQTT URL ${parsed.protocol}//${parsed.host}: mqtt:// (plain TCP) or mqtts:// (TLS)`,
    );
  }
  const user = username ?? (parsed.username ? decodeURIComponent(parsed.username) : undefined);
  const pass = password ?? (parsed.password ? decodeURIComponent(parsed.password) : undefined);
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), // IPv6 literals come bracketed
    port: Number(parsed.port || (secure ? 8883 : 1883)),
    label: `${secure ? 'mqtts' : 'mqtt'}://${parsed.host} as ${user ?? '(anonymous)'}`,
    tls: secure,
    ...(user === undefined ? {} : { username: user }),
    ...(pass === undefined ? {} : { password: pass }),
  };
}

export function createMqttClient(target: TcpTarget, settings: ClientSettings): MqttClient {
  // MQTT.js calls the stream builder for every connection attempt, so every socket, reconnects
  // included, gets TCP_NODELAY. Set before connecting, Node applies it once the handle exists.
  // Without it a request/response waits for Nagle + delayed ACK: 44–88 ms instead of ~0.2 ms.
  const { host, port } = target;
  const streamBuilder = target.tls
    ? () =>
        tls
          .connect({
            host,
            port,
            // SNI and the name checked against the certificate; an IP literal is checked as an IP.
            ...(net.isIP(host) ? {} : { servername: host }),
            ...settings.tls,
            rejectUnauthorized: true,
          })
          .setNoDelay(true)
    : () => net.createConnection({ host, port }).setNoDelay(true);
  return new MqttClient(streamBuilder, {
    clientId: settings.clientId,
    username: settings.username ?? target.username,
    password: settings.password ?? target.password,
    protocolVersion: 4, // MQTT 3.1.1, what aedes speaks
    // [MQTT-3.1.2-6] a clean session starts without subscriptions. MQTT.js would resubscribe on
    // its own (only topics whose SUBACK succeeded, silently); MqttConnection does it instead.
    clean: true,
    resubscribe: false,
    reconnectPeriod: settings.reconnectPeriodMs,
    // MQTT.js stops reconnecting for good after a refused CONNACK by default; after the first
    // success a refusal (e.g. "server unavailable" while the database is down) must be retried.
    reconnectOnConnackError: true,
    ...(settings.will ? { will: settings.will } : {}),
  });
}

/** An MQTT.js error with its code: a number is a CONNACK return code, a string a socket error. */
export const describeMqttError = (error: Error & { code?: unknown }): string =>
  error.code === undefined ? error.message : `${error.message} (code ${String(error.code)})`;

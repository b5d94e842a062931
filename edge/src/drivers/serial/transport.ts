/**
 * A byte link to a reader that outlives the device: a USB adapter pulled and plugged back, a
 * ser2net restarted. The link opens in the background, retries with exponential back-off and
 * never throws out of a timer or an event handler; the reader just sees `connected` go false and
 * true again, and bytes resume.
 */
import type { Connector } from './connection.js';
import { ReconnectingLink } from './reconnecting-link.js';
import { connectSerialDevice, type SerialBinding } from './serial-device.js';
import { connectTcp, parseTcpPath } from './tcp.js';
import { type ByteSource, type SerialLogger, type SerialTimer, systemClock } from './types.js';

export interface SerialLinkOptions {
  /** A device path (`/dev/ttyUSB0`, `COM3`) or `tcp://host:port` for a serial device behind ser2net. */
  path: string;
  /** Device paths only; over TCP the baud rate is ser2net's setting. */
  baudRate?: number;
  /** Serial device only; defaults to serialport's autoDetect(). Tests pass MockBinding. */
  binding?: SerialBinding;
  logger: SerialLogger;
  clock?: SerialTimer;
  /** Delay before the first retry; doubles with each failed attempt. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** TCP only. */
  connectTimeoutMs?: number;
  /** TCP only: idle time before keep-alive probes start. */
  keepAliveMs?: number;
}

export const SERIAL_LINK_DEFAULTS = {
  /** The RDM6300's fixed rate. */
  baudRate: 9600,
  retryInitialMs: 1000,
  retryMaxMs: 30_000,
  connectTimeoutMs: 10_000,
  keepAliveMs: 10_000,
} as const;

export interface SerialLink extends ByteSource {
  readonly path: string;
}

/**
 * Starts connecting at once and returns without waiting: a gate must boot even with its reader
 * unplugged. Throws only for a malformed configuration (bad tcp:// URL, bad baud rate).
 */
export function openSerialLink(options: SerialLinkOptions): SerialLink {
  const { path, binding, logger } = options;
  const d = SERIAL_LINK_DEFAULTS;
  const baudRate = options.baudRate ?? d.baudRate;
  const clock = options.clock ?? systemClock;
  if (!Number.isInteger(baudRate) || baudRate <= 0) {
    throw new RangeError(`serial ${path}: baud rate must be a positive integer, got ${baudRate}`);
  }
  const tcp = parseTcpPath(path);
  const connect: Connector = tcp
    ? (events) =>
        connectTcp(
          {
            target: tcp,
            timer: clock,
            connectTimeoutMs: options.connectTimeoutMs ?? d.connectTimeoutMs,
            keepAliveMs: options.keepAliveMs ?? d.keepAliveMs,
          },
          events,
          logger,
        )
    : (events) => connectSerialDevice({ path, baudRate, binding }, events, logger);
  return new ReconnectingLink(path, connect, {
    logger,
    clock,
    retryInitialMs: options.retryInitialMs ?? d.retryInitialMs,
    retryMaxMs: options.retryMaxMs ?? d.retryMaxMs,
  });
}

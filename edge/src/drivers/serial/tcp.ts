/** A serial device exposed over TCP (ser2net, a Moxa NPort, a camera's own raw TCP port). */
import net from 'node:net';
import { type Connection, type ConnectionEvents, once } from './connection.js';
import type { SerialLogger, SerialTimer } from './types.js';

export interface TcpTarget {
  host: string;
  port: number;
}

/** `tcp://host:port` → target; `undefined` for anything else (a device path). Throws on a malformed tcp URL. */
export function parseTcpPath(path: string): TcpTarget | undefined {
  if (!path.startsWith('tcp://')) return undefined;
  let url: URL;
  try {
    url = new URL(path);
  } catch {
    throw new TypeError(`serial path "${path}" is not a valid tcp://host:port URL`);
  }
  const port = Number(url.port);
  if (url.hostname === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TypeError(`serial path "${path}" must be tcp://host:port with a port from 1 to 65535`);
  }
  // URL keeps IPv6 literals bracketed; net.connect wants them bare.
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

export interface TcpOptions {
  target: TcpTarget;
  timer: SerialTimer;
  /** A SYN to a powered-off host can go unanswered for minutes; give up sooner and retry. */
  connectTimeoutMs: number;
  /** How long the link may be silent before TCP keep-alive starts probing the peer. */
  keepAliveMs: number;
}

export async function connectTcp(
  options: TcpOptions,
  events: ConnectionEvents,
  logger: SerialLogger,
): Promise<Connection> {
  const { target, timer } = options;
  const label = `tcp ${target.host}:${target.port}`;
  const socket = net.createConnection({ host: target.host, port: target.port });
  const end = once(events);
  let lastError: Error | undefined;
  // 'close' always follows 'error', so errors are only kept and the loss is reported from 'close'.
  socket.on('error', (error) => {
    lastError = error;
    logger.debug(() => `${label}: ${error.message}`);
  });

  await new Promise<void>((resolve, reject) => {
    const timeout = timer.setTimeout(() => {
      socket.destroy(new Error(`connect timed out after ${options.connectTimeoutMs} ms`));
    }, options.connectTimeoutMs);
    const settle = (error?: Error) => {
      timer.clearTimeout(timeout);
      socket.off('connect', onConnect);
      socket.off('error', settle);
      if (error) reject(error);
      else resolve();
    };
    const onConnect = () => settle();
    socket.once('connect', onConnect);
    socket.once('error', settle);
  });

  // ser2net relays bytes as the UART delivers them; Nagle would hold back anything we write.
  socket.setNoDelay(true);
  // An RDM6300 is silent while no tag is in the field, so silence cannot mean "dead". Keep-alive
  // probes turn a peer that vanished without a FIN (power cut, cable pulled) into an error.
  socket.setKeepAlive(true, options.keepAliveMs);
  socket.on('data', (chunk: Buffer) => events.data(chunk));
  socket.on('close', () => end.lost(lastError ?? new Error('connection closed by peer')));

  return {
    close: async () => {
      end.silence();
      if (socket.closed) return;
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.destroy();
      });
    },
  };
}

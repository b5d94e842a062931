/**
 * Serves a talk-only serial device (an ANPR camera's line output, an RDM6300 reader) on a TCP port,
 * as ser2net does: every connected client gets the bytes the device writes from then on. Nothing is
 * buffered for a client that is not there yet, as a UART's output with nothing plugged in is lost.
 * Bytes from clients are read and dropped: these devices have no RX line worth emulating.
 */
import net from 'node:net';

export interface ByteServerOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0: an ephemeral port (read it back from `port`). */
  port?: number;
}

export interface ByteServer {
  readonly host: string;
  /** The bound port. */
  readonly port: number;
  /** `tcp://host:port`, the form the edge agent's `path` settings take. */
  readonly url: string;
  /** Sends `bytes` to every connected client (dropped when there is none, or after close). */
  write(bytes: Uint8Array): void;
  /** How many clients are connected now. */
  clients(): number;
  /** Resolves once at least one client is connected; rejects after `timeoutMs` (default 5000). */
  waitForClient(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** `tcp://host:port`, with an IPv6 literal bracketed. */
export const tcpUrl = (host: string, port: number): string =>
  `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`;

export async function serveBytesOverTcp(options: ByteServerOptions = {}): Promise<ByteServer> {
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<net.Socket>();
  const waiters = new Set<() => void>();
  let closed = false;

  const server = net.createServer((socket) => {
    socket.on('error', () => {
      // A reset by the peer is just a disconnect for a serial-port server.
    });
    if (closed) {
      socket.destroy();
      return;
    }
    // A plate line or an RFID frame is a few dozen bytes: Nagle's algorithm would hold them back.
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    // Read and drop what the client sends, so its writes never back up and stall the socket.
    socket.on('data', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    sockets.add(socket);
    for (const wake of [...waiters]) wake();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);

  return {
    host,
    port,
    url: tcpUrl(host, port),
    write(bytes) {
      if (closed || bytes.length === 0) return;
      // Each client gets its own copy: a socket may hold on to the buffer until it is flushed.
      for (const socket of sockets) {
        if (socket.writable && !socket.destroyed) socket.write(Buffer.from(bytes));
      }
    },
    clients: () => sockets.size,
    waitForClient(timeoutMs = 5000) {
      if (sockets.size > 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(done);
          reject(new Error(`no client connected to ${tcpUrl(host, port)} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(done);
      });
    },
    close() {
      closed = true;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

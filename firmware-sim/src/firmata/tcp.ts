/**
 * Serves an emulated board on a TCP port, as ser2net does for a real one: the agent connects to
 * host:port instead of opening /dev/ttyACM0. One host at a time, like a serial port.
 */
import net from 'node:net';
import type { FirmataDevice } from './device.js';

export interface TcpServeOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /**
   * A second connection while one is open: 'reject' closes the newcomer (ser2net's "port in use"),
   * 'replace' drops the old one (a host that reconnects after a dead link gets in at once).
   * Default 'reject'.
   */
  whenBusy?: 'reject' | 'replace';
}

export interface FirmataTcpServer {
  readonly host: string;
  /** The bound port (useful when 0 asked for an ephemeral one). */
  readonly port: number;
  /** Whether a host is connected now. */
  readonly busy: boolean;
  close(): Promise<void>;
}

/**
 * `device` is called for each accepted connection: return the same FirmataDevice every time to
 * keep one simulated board (its pins and models) across reconnections, or a fresh one.
 */
export async function serveOverTcp(
  device: () => FirmataDevice,
  port = 0,
  options: TcpServeOptions = {},
): Promise<FirmataTcpServer> {
  const host = options.host ?? '127.0.0.1';
  const whenBusy = options.whenBusy ?? 'reject';
  let active: net.Socket | null = null;

  const server = net.createServer((socket) => {
    socket.on('error', () => {
      // A reset by the peer is just a disconnect for a serial-port server.
    });
    if (active && whenBusy === 'reject') {
      socket.destroy();
      return;
    }
    active?.destroy();
    active = socket;
    // Firmata messages are 2–3 bytes: Nagle's algorithm would hold them back for up to 200 ms.
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.on('close', () => {
      if (active === socket) active = null;
    });
    device().attach(socket);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;

  return {
    host,
    port: bound,
    get busy() {
      return active !== null;
    },
    close: () =>
      new Promise<void>((resolve) => {
        active?.destroy();
        server.close(() => resolve());
      }),
  };
}

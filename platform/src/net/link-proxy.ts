/**
 * A TCP link that can fail on demand, between a client and the server it connects to: a site's
 * uplink for tests and the fault suite. `cut` drops every connection and refuses new ones (a cable
 * pulled, a router rebooting: the client sees a reset at once); `blackhole` keeps the connections
 * and takes new ones but carries nothing either way (a route that silently drops packets: the
 * client finds out only by its own keepalive); `restore` carries traffic again. TCP_NODELAY is set
 * on both legs, as on every MQTT socket.
 */
import net from 'node:net';

export type LinkMode = 'up' | 'cut' | 'blackhole';

export interface LinkProxy {
  /** Where the client connects instead of the target (`host:port`). */
  readonly port: number;
  readonly mode: LinkMode;
  cut(): void;
  blackhole(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startLinkProxy(target: { host?: string; port: number }): Promise<LinkProxy> {
  const pairs = new Set<{ client: net.Socket; server: net.Socket }>();
  let mode: LinkMode = 'up';
  const server = net.createServer((client) => {
    client.on('error', () => undefined);
    if (mode === 'cut') return void client.destroy();
    client.setNoDelay(true);
    const upstream = net.connect({ host: target.host ?? '127.0.0.1', port: target.port });
    upstream.setNoDelay(true);
    upstream.on('error', () => undefined);
    const pair = { client, server: upstream };
    pairs.add(pair);
    // Bytes are carried only while the link is up; in a black hole they vanish.
    client.on('data', (chunk) => mode === 'up' && upstream.write(chunk));
    upstream.on('data', (chunk) => mode === 'up' && client.write(chunk));
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const drop = () => {
    for (const pair of [...pairs]) {
      pair.client.destroy();
      pair.server.destroy();
    }
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    get mode() {
      return mode;
    },
    cut() {
      mode = 'cut';
      drop();
    },
    blackhole() {
      mode = 'blackhole';
    },
    restore() {
      // A connection that lost bytes in the hole is out of step for good: it is dropped, and the
      // client reconnects through the restored link.
      if (mode === 'blackhole') drop();
      mode = 'up';
    },
    close() {
      drop();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

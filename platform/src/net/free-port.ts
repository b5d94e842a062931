import net from 'node:net';

/**
 * A TCP port that was free on 127.0.0.1 a moment ago: for a service that must come back on the same
 * port after a restart (so a test picks it before the first start, not with port 0).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

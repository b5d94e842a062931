import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FirmataDevice } from './device.js';
import { type FirmataTcpServer, serveOverTcp } from './tcp.js';

let server: FirmataTcpServer | undefined;
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await server?.close();
  server = undefined;
});

function dial(port: number): Promise<{ socket: net.Socket; bytes: number[]; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const bytes: number[] = [];
    const socket = net.connect(port, '127.0.0.1', () => resolve({ socket, bytes, closed }));
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('data', (chunk: Buffer) => bytes.push(...chunk));
    socket.once('error', reject);
    sockets.push(socket);
  });
}

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('serveOverTcp', () => {
  it('serves the board on a TCP port: handshake, commands, then one host at a time', async () => {
    const device = new FirmataDevice();
    server = await serveOverTcp(() => device, 0);
    expect(server.port).toBeGreaterThan(0);
    const first = await dial(server.port);
    await until(() => first.bytes.includes(0xf7));
    expect(first.bytes.slice(0, 3)).toEqual([0xf9, 2, 5]);
    first.socket.write(Buffer.from([0xf4, 13, 1, 0xf5, 13, 1]));
    await until(() => device.digitalValue(13));
    expect(server.busy).toBe(true);

    const second = await dial(server.port);
    await second.closed;
    expect(second.bytes).toEqual([]);
    expect(device.digitalValue(13)).toBe(true);

    first.socket.destroy();
    await until(() => !device.connected && server?.busy === false);
    const third = await dial(server.port);
    await until(() => third.bytes.includes(0xf7));
    expect(device.digitalValue(13)).toBe(false); // the board "rebooted" for the new host
  });

  it("'replace' hands the board to the newest connection", async () => {
    const device = new FirmataDevice();
    server = await serveOverTcp(() => device, 0, { whenBusy: 'replace' });
    const first = await dial(server.port);
    const second = await dial(server.port);
    await first.closed;
    await until(() => second.bytes.includes(0xf7));
    expect(device.connected).toBe(true);
  });
});

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type LinkProxy, startLinkProxy } from './link-proxy.js';

/** An echo server on a free port. */
async function echo(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

const reply = (socket: net.Socket, text: string) =>
  new Promise<string>((resolve) => {
    socket.once('data', (d) => resolve(d.toString()));
    socket.write(text);
  });
const closed = (socket: net.Socket) => new Promise<void>((resolve) => socket.once('close', () => resolve()));

describe('a link proxy', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const start = async (): Promise<LinkProxy> => {
    const server = await echo();
    const proxy = await startLinkProxy({ port: server.port });
    cleanups.push(server.close, proxy.close);
    return proxy;
  };

  it('carries bytes while up, drops every connection when cut and refuses new ones until restored', async () => {
    const proxy = await start();
    const socket = await connect(proxy.port);
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    expect(await reply(socket, 'ping')).toBe('ping');
    const gone = closed(socket);
    proxy.cut();
    await gone;
    const refused = await connect(proxy.port);
    await closed(refused);
    proxy.restore();
    const again = await connect(proxy.port);
    expect(await reply(again, '12가3456')).toBe('12가3456');
    again.destroy();
  });

  it('carries nothing in a black hole, and drops the connections when restored', async () => {
    const proxy = await start();
    const socket = await connect(proxy.port);
    socket.on('error', () => undefined);
    proxy.blackhole();
    let heard = '';
    socket.on('data', (d) => {
      heard += d.toString();
    });
    socket.write('lost');
    // A second connection is taken (the client cannot tell) and hears nothing either.
    const other = await connect(proxy.port);
    other.write('lost too');
    expect(proxy.mode).toBe('blackhole');
    const gone = closed(socket);
    proxy.restore();
    await gone;
    expect(heard).toBe('');
    other.destroy();
  });
});

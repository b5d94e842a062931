import { afterEach, describe, expect, it } from 'vitest';
import { type ByteServer, serveBytesOverTcp, tcpUrl } from './byte-server.js';
import { type Dialled, dial, until } from './testing.js';

let server: ByteServer | undefined;
const clients: Dialled[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.destroy();
  await server?.close();
  server = undefined;
});

const connect = async (port: number) => {
  const client = await dial(port);
  clients.push(client);
  return client;
};

describe('serveBytesOverTcp', () => {
  it('sends what the device writes to every connected client, ignoring what they send', async () => {
    server = await serveBytesOverTcp();
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`tcp://127.0.0.1:${server.port}`);
    server.write(Buffer.from('lost\r\n')); // nobody listening yet: a UART's output is not kept

    const waiting = server.waitForClient(2000);
    const a = await connect(server.port);
    await waiting;
    const b = await connect(server.port);
    await until(() => server?.clients() === 2);
    a.socket.write('ignored by a talk-only device');

    server.write(Buffer.from('12가3456,0.95\r\n'));
    server.write(Uint8Array.of(0x02, 0x03));
    const expected = Buffer.concat([Buffer.from('12가3456,0.95\r\n'), Buffer.of(0x02, 0x03)]);
    await until(() => a.received().length === expected.length && b.received().length === expected.length);
    expect(a.received()).toEqual(expected);
    expect(b.received()).toEqual(expected);

    a.socket.destroy();
    await until(() => server?.clients() === 1);
  });

  it('waitForClient rejects when nobody connects in time', async () => {
    server = await serveBytesOverTcp();
    await expect(server.waitForClient(30)).rejects.toThrow(/no client connected/);
  });

  it('close drops the clients and stops listening', async () => {
    server = await serveBytesOverTcp();
    const port = server.port;
    const client = await connect(port);
    await until(() => server?.clients() === 1);
    await server.close();
    server = undefined;
    await client.closed;
    await expect(dial(port)).rejects.toThrow();
  });

  it('writes IPv6 hosts in brackets', () => {
    expect(tcpUrl('::1', 4001)).toBe('tcp://[::1]:4001');
  });
});

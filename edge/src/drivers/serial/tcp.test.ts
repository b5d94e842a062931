import net, { type AddressInfo } from 'node:net';
import { encodeAnprLine } from '@parkinglot/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PlateRead } from '../ports.js';
import { AnprCameraReader } from './anpr.js';
import { parseTcpPath } from './tcp.js';
import { recordingLogger, waitUntil } from './testing.js';
import { openSerialLink, type SerialLink } from './transport.js';

/** A net.Server standing in for ser2net: it accepts connections and lets the test write and hang up. */
class FakeSer2net {
  readonly server = net.createServer((socket) => {
    this.sockets.push(socket);
    socket.on('error', () => {}); // a reset from the link's side is expected in these tests
  });
  readonly sockets: net.Socket[] = [];

  listen(port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve((this.server.address() as AddressInfo).port));
    });
  }

  get latest(): net.Socket {
    return this.sockets.at(-1)!;
  }

  /** Like `systemctl restart ser2net`: every connection dropped, the port closed. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('parseTcpPath', () => {
  it('reads host and port, including bracketed IPv6, and passes device paths through', () => {
    expect(parseTcpPath('tcp://192.168.1.20:4001')).toEqual({ host: '192.168.1.20', port: 4001 });
    expect(parseTcpPath('tcp://[::1]:4001')).toEqual({ host: '::1', port: 4001 });
    expect(parseTcpPath('/dev/ttyUSB0')).toBeUndefined();
    expect(() => parseTcpPath('tcp://ser2net.local')).toThrow(TypeError);
  });
});

describe('openSerialLink over tcp:// (ser2net)', () => {
  let ser2net: FakeSer2net;
  let port: number;
  let logger: ReturnType<typeof recordingLogger>;
  let link: SerialLink | undefined;

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    logger = recordingLogger();
    ser2net = new FakeSer2net();
    port = await ser2net.listen();
  });

  afterEach(async () => {
    await link?.close();
    link = undefined;
    if (ser2net.server.listening) await ser2net.stop();
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('connects with Nagle off and reads a plate the device sends', async () => {
    const noDelay = vi.spyOn(net.Socket.prototype, 'setNoDelay');
    const reader = new AnprCameraReader({ source: { path: `tcp://127.0.0.1:${port}` }, logger });
    const reads: PlateRead[] = [];
    reader.onPlate((read) => reads.push(read));
    await reader.start();
    await waitUntil(() => reader.connected && ser2net.sockets.length === 1, 'the connection');
    expect(noDelay).toHaveBeenCalledWith(true);

    ser2net.latest.write(encodeAnprLine('12가3456', 0.93));
    await waitUntil(() => reads.length === 1, 'a plate read');
    expect(reads[0]).toMatchObject({ plate: '12가3456', confidence: 0.93 });
    await reader.stop();
  });

  it('reconnects after the back-off when the server drops the socket, and counts it', async () => {
    link = openSerialLink({ path: `tcp://127.0.0.1:${port}`, logger, retryInitialMs: 1000 });
    const chunks: Buffer[] = [];
    link.onData((chunk) => chunks.push(Buffer.from(chunk)));
    await waitUntil(() => link!.connected && ser2net.sockets.length === 1, 'the connection');

    ser2net.latest.destroy();
    await waitUntil(() => !link!.connected, 'the loss to be noticed');
    expect(link.disconnects).toBe(1);
    expect(vi.getTimerCount()).toBe(1); // the reconnect is waiting on the (fake) back-off timer
    expect(ser2net.sockets).toHaveLength(1);

    vi.advanceTimersByTime(1000);
    await waitUntil(() => link!.connected && ser2net.sockets.length === 2, 'the reconnect');
    ser2net.latest.write('after\r\n');
    await waitUntil(() => Buffer.concat(chunks).toString() === 'after\r\n', 'bytes on the new connection');
    expect(link.disconnects).toBe(1);
  });

  it('keeps retrying while ser2net restarts, then picks up where it left off', async () => {
    link = openSerialLink({ path: `tcp://127.0.0.1:${port}`, logger, retryInitialMs: 1000 });
    await waitUntil(() => link!.connected, 'the connection');

    await ser2net.stop();
    await waitUntil(() => !link!.connected, 'the loss to be noticed');
    vi.advanceTimersByTime(1000); // the first retry meets a closed port
    await waitUntil(
      () => logger.messages('warn').some((m) => m.endsWith('(attempt 1), retrying in 2000 ms')),
      'the refused retry',
    );

    ser2net = new FakeSer2net();
    await ser2net.listen(port);
    vi.advanceTimersByTime(2000);
    await waitUntil(() => link!.connected && ser2net.sockets.length === 1, 'the reconnect');
    expect(link.disconnects).toBe(1);
  });

  it('closes its socket for good on close()', async () => {
    link = openSerialLink({ path: `tcp://127.0.0.1:${port}`, logger });
    await waitUntil(() => link!.connected, 'the connection');
    const serverSide = ser2net.latest;
    const ended = new Promise((resolve) => serverSide.once('close', resolve));
    await link.close();
    await ended;
    vi.advanceTimersByTime(120_000);
    expect(ser2net.sockets).toHaveLength(1);
    expect(link.disconnects).toBe(0);
  });
});

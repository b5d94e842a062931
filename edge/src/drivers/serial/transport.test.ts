import { encodeRdm6300Frame } from '@parkinglot/shared';
import { SerialPortMock } from 'serialport';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TagRead } from '../ports.js';
import { Rdm6300Reader } from './rdm6300.js';
import { recordingLogger, waitUntil } from './testing.js';
import { openSerialLink, type SerialLink } from './transport.js';

// @serialport/binding-mock's MockBinding, reached through serialport: the package's own ESM entry
// ships no types under NodeNext, and this is the same (CommonJS) instance serialport's
// SerialPortMock uses, so ports created here are visible to it too.
const MockBinding = SerialPortMock.binding;
type MockPort = Awaited<ReturnType<typeof MockBinding.open>>;

/** MockBinding, plus a handle on every port it opens (what zigbee-herdsman reaches as `serialPort.port`). */
function recordingBinding() {
  const opened: MockPort[] = [];
  let attempts = 0;
  const binding: typeof MockBinding = {
    ...MockBinding,
    open: async (options) => {
      attempts += 1;
      const port = await MockBinding.open(options);
      opened.push(port);
      return port;
    },
  };
  return { binding, opened, attempts: () => attempts };
}

const PATH = '/dev/ttyRDM';

describe('openSerialLink over a device path (MockBinding)', () => {
  let logger: ReturnType<typeof recordingLogger>;
  let link: SerialLink | undefined;

  beforeEach(() => {
    // Only timers and Date: serialport and MockBinding move on process.nextTick, which stays real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    logger = recordingLogger();
  });

  afterEach(async () => {
    await link?.close();
    link = undefined;
    MockBinding.reset();
    vi.useRealTimers();
  });

  it('opens the port at the configured baud rate and hands its bytes to the consumer', async () => {
    MockBinding.createPort(PATH);
    const { binding, opened } = recordingBinding();
    link = openSerialLink({ path: PATH, baudRate: 9600, binding, logger });
    const chunks: Buffer[] = [];
    link.onData((chunk) => chunks.push(Buffer.from(chunk)));
    await waitUntil(() => link!.connected, 'the port to open');

    expect(opened[0]!.openOptions.baudRate).toBe(9600);
    opened[0]!.emitData(Buffer.from('hello'));
    await waitUntil(() => Buffer.concat(chunks).toString() === 'hello', 'the bytes');
    expect(() => link!.onData(() => {})).toThrow(/already has a data consumer/);
  });

  it('turns bytes emitted on the mock port into a tag read', async () => {
    MockBinding.createPort(PATH);
    const { binding, opened } = recordingBinding();
    const reader = new Rdm6300Reader({ source: { path: PATH, binding }, logger });
    const reads: TagRead[] = [];
    reader.onTag((read) => reads.push(read));
    await reader.start();
    await waitUntil(() => reader.connected, 'the reader to connect');

    opened[0]!.emitData(encodeRdm6300Frame('62E3086CED'));
    await waitUntil(() => reads.length === 1, 'a tag read');
    expect(reads[0]!.tag).toBe('62E3086CED');
    await reader.stop();
    expect(reader.connected).toBe(false);
  });

  it('reconnects after the device goes away and counts the disconnect', async () => {
    MockBinding.createPort(PATH);
    const { binding, opened, attempts } = recordingBinding();
    link = openSerialLink({ path: PATH, binding, logger, retryInitialMs: 1000 });
    const chunks: Buffer[] = [];
    link.onData((chunk) => chunks.push(Buffer.from(chunk)));
    await waitUntil(() => link!.connected, 'the port to open');

    // Unplugging a USB adapter makes the pending read fail with an error that is not `canceled`;
    // serialport then closes the port with a DisconnectedError, as it does on real hardware.
    const first = opened[0]!;
    vi.spyOn(first, 'read').mockRejectedValueOnce(new Error('EIO: device unplugged'));
    first.emitData(Buffer.from('x'));
    await waitUntil(() => !link!.connected, 'the loss to be noticed');
    expect(link.disconnects).toBe(1);
    expect(logger.messages('warn')).toContain(`serial ${PATH}: link lost, reconnecting in 1000 ms`);

    vi.advanceTimersByTime(999);
    expect(attempts()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(attempts()).toBe(2);
    await waitUntil(() => link!.connected, 'the reconnect');

    opened[1]!.emitData(Buffer.from('back'));
    await waitUntil(() => Buffer.concat(chunks).toString().endsWith('back'), 'bytes after the reconnect');
    expect(link.disconnects).toBe(1);
  });

  it('retries a missing device with doubling back-off, logging instead of throwing', async () => {
    const { binding, attempts } = recordingBinding();
    link = openSerialLink({ path: PATH, binding, logger, retryInitialMs: 1000, retryMaxMs: 3000 });
    const retries = () => logger.messages('warn').filter((m) => m.includes('cannot open'));

    await waitUntil(() => retries().length === 1, 'the first failure');
    for (const [wait, count] of [
      [1000, 2],
      [2000, 3],
      [3000, 4],
    ] as const) {
      vi.advanceTimersByTime(wait - 1);
      expect(attempts()).toBe(count - 1);
      vi.advanceTimersByTime(1);
      await waitUntil(() => retries().length === count, `failure ${count}`);
    }
    expect(retries()).toEqual([
      `serial ${PATH}: cannot open (attempt 1), retrying in 1000 ms`,
      `serial ${PATH}: cannot open (attempt 2), retrying in 2000 ms`,
      `serial ${PATH}: cannot open (attempt 3), retrying in 3000 ms`,
      `serial ${PATH}: cannot open (attempt 4), retrying in 3000 ms`,
    ]);
    expect(link.disconnects).toBe(0); // never connected, so nothing was lost

    MockBinding.createPort(PATH);
    vi.advanceTimersByTime(3000);
    await waitUntil(() => link!.connected, 'the device to appear');
  });

  it('stops retrying once closed', async () => {
    const { binding, attempts } = recordingBinding();
    link = openSerialLink({ path: PATH, binding, logger });
    await waitUntil(() => logger.messages('warn').length === 1, 'the first failure');
    await link.close();
    vi.advanceTimersByTime(60_000);
    expect(attempts()).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('releases a port whose open was still in flight when closed', async () => {
    MockBinding.createPort(PATH);
    const { binding, opened } = recordingBinding();
    const early = openSerialLink({ path: PATH, binding, logger });
    await early.close();
    expect(early.connected).toBe(false);
    expect(opened[0]!.isOpen).toBe(false);

    // MockBinding locks an open port, so this only connects if the first was released.
    link = openSerialLink({ path: PATH, binding, logger });
    await waitUntil(() => link!.connected, 'the port to open again');
  });

  it('rejects a malformed configuration up front', () => {
    expect(() => openSerialLink({ path: 'tcp://localhost', logger })).toThrow(/tcp:\/\/host:port/);
    expect(() => openSerialLink({ path: 'tcp://localhost:99999', logger })).toThrow(TypeError);
    expect(() => openSerialLink({ path: PATH, baudRate: 0, logger })).toThrow(RangeError);
  });
});

import { duplexPair } from 'node:stream';
import { quietLogger } from '@parkinglot/platform/log';
import five from 'johnny-five';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type FirmataBoard, openFirmataBoard } from './board.js';
import { type Bench, connectBench, FirmataDevice, settle, until } from './testing.js';

let bench: Bench | undefined;
afterEach(async () => {
  await bench?.board.close();
  bench = undefined;
});

describe('openFirmataBoard', () => {
  it('completes the johnny-five handshake with the emulated board', async () => {
    bench = await connectBench();
    const { board, device } = bench;
    expect(board.board.isReady).toBe(true);
    expect(board.io.isReady).toBe(true);
    expect(board.firmware).toBe('parkinglot-sim 2.5');
    expect(board.pinCount).toBe(20);
    expect(board.io.analogPins).toEqual([14, 15, 16, 17, 18, 19]);
    expect(board.connected).toBe(true);
    expect(device.connected).toBe(true);
  });

  it('asks for the version itself when the board does not announce it (no reset on connect)', async () => {
    // firmata-io's wait for the announcement is a global timer: fake it to see when it asks.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let ready = false;
      const opening = connectBench({ resetOnConnect: false }, { reportVersionTimeoutMs: 50 }).then((b) => {
        ready = true;
        return b;
      });
      await vi.advanceTimersByTimeAsync(49);
      await settle();
      expect(ready).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      bench = await opening;
      expect(bench.board.firmware).toBe('parkinglot-sim 2.5');
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects with a clear error when nothing answers, and releases the stream', async () => {
    const [, host] = duplexPair();
    const opening = openFirmataBoard({ transport: host, timeoutMs: 150, log: quietLogger() });
    await expect(opening).rejects.toThrow(/not ready within 150 ms/);
    expect(host.destroyed).toBe(true);
  });

  it('rejects when the stream closes before the board is ready', async () => {
    const [peer, host] = duplexPair();
    const opening = openFirmataBoard({ transport: host, timeoutMs: 5000, log: quietLogger() });
    peer.end();
    await expect(opening).rejects.toThrow(/closed before the board was ready/);
  });

  it('drives outputs and watches inputs on the emulated pins', async () => {
    bench = await connectBench();
    const { board, device } = bench;
    board.setOutput(13);
    board.write(13, true);
    await until(() => device.digitalValue(13));
    expect(device.pinMode(13)).toBe(1);

    const seen: boolean[] = [];
    board.setInput(4, false);
    const stop = board.watch(4, (high) => seen.push(high));
    await until(() => seen.length === 1);
    device.setInput(4, true);
    await until(() => seen.length === 2);
    device.setInput(5, true); // another pin of the same port: reported, but not a change of pin 4
    await settle();
    stop();
    device.setInput(4, false);
    await settle();
    expect(seen).toEqual([false, true]);
    expect(() => board.write(20, true)).toThrow(RangeError);
  });

  it('serves plain johnny-five components too (Led, Button)', async () => {
    bench = await connectBench();
    const { board, device } = bench;
    const j5board = board.board as unknown as five.Board;
    const led = new five.Led({ pin: 13, board: j5board });
    led.on();
    await until(() => device.digitalValue(13));
    const button = new five.Button({ pin: 2, board: j5board });
    const pressed = new Promise<void>((resolve) => button.on('press', () => resolve()));
    await settle();
    device.setInput(2, true);
    await pressed;
  });

  it('tells about a lost link, and close() ends the stream so the board side sees it', async () => {
    bench = await connectBench();
    const lost: string[] = [];
    bench.board.onDisconnect(() => lost.push('lost'));
    await bench.board.close();
    expect(bench.board.connected).toBe(false);
    expect(lost).toEqual(['lost']);
    await until(() => !bench?.device.connected);

    const device = new FirmataDevice();
    const [boardSide, host] = duplexPair();
    device.attach(boardSide);
    const board: FirmataBoard = await openFirmataBoard({ transport: host, log: quietLogger() });
    const dropped = new Promise<void>((resolve) => board.onDisconnect(resolve));
    boardSide.end(); // the board (or ser2net) hangs up
    await dropped;
    expect(board.connected).toBe(false);
    await board.close();
  });
});

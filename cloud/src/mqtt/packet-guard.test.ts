import { describe, expect, it } from 'vitest';
import { PacketSizeGuard } from './packet-guard.js';

const limits = { first: 1024, later: 4096 };

/** A packet of `type` with a body of `bytes` (the guard reads only the fixed header). */
function packet(type: number, bytes: number): Buffer {
  const length: number[] = [];
  let n = bytes;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    length.push(byte);
  } while (n > 0);
  return Buffer.concat([Buffer.from([type, ...length]), Buffer.alloc(bytes, 0x41)]);
}
const connect = packet(0x10, 40);
const publish = (bytes: number) => packet(0x30, bytes);

describe('PacketSizeGuard', () => {
  it('lets packets within their limits through, whatever the chunking', () => {
    const stream = Buffer.concat([connect, publish(3000), publish(0), packet(0xc0, 0), publish(4000)]);
    for (const size of [1, 2, 7, 100, stream.length]) {
      const guard = new PacketSizeGuard(limits);
      for (let i = 0; i < stream.length; i += size)
        expect(guard.feed(stream.subarray(i, i + size))).toBeNull();
    }
  });

  it('refuses a first packet that claims more than a CONNECT needs, from its header alone', () => {
    const guard = new PacketSizeGuard(limits);
    expect(guard.feed(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]))).toMatch(
      /first packet claims more than 1024/,
    );
  });

  it('refuses a later packet over its limit before its body arrives', () => {
    const guard = new PacketSizeGuard(limits);
    expect(guard.feed(connect)).toBeNull();
    const big = publish(5000);
    expect(guard.feed(big.subarray(0, 4))).toMatch(/packet claims more than 4096/);
  });

  it('refuses a remaining length of more than four bytes', () => {
    const guard = new PacketSizeGuard({ first: 2 ** 30, later: 2 ** 30 });
    expect(guard.feed(Buffer.from([0x10, 0x80, 0x80, 0x80, 0x80, 0x01]))).toMatch(/malformed/);
  });
});

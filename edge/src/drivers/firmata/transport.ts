/**
 * Adapts any Node Duplex (a serialport, a TCP socket to ser2net, an in-memory pair) to the transport
 * shape firmata-io expects: node-serialport's. The one thing a plain Duplex lacks is the "open"
 * event: firmata-io turns it into "connect", and johnny-five holds back "ready" until it has seen
 * "connect", so without it a Board over a socket would never become ready.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { type Clock, systemClock } from '@parkinglot/platform/time';
import type { FirmataTransportLike } from './firmata-io.js';

export class DuplexTransport extends EventEmitter implements FirmataTransportLike {
  private closed = false;

  constructor(
    private readonly stream: Duplex,
    private readonly timers: Pick<Clock, 'setTimeout' | 'clearTimeout'> = systemClock,
  ) {
    super();
    stream.on('data', (data: Buffer | string) => {
      this.emit('data', typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    });
    stream.on('error', (error: Error) => this.emit('error', error));
    // 'end' is the peer hanging up (a duplexPair never emits 'close' for that); either means gone.
    stream.once('end', () => this.markClosed());
    stream.once('close', () => this.markClosed());
    // After firmata-io (constructed in the same tick) has attached its listeners.
    process.nextTick(() => {
      if (stream.destroyed || stream.readableEnded) this.markClosed();
      else if (!this.closed) this.emit('open');
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  write(data: Buffer, callback?: (error?: Error | null) => void): boolean {
    if (this.closed || !this.stream.writable) {
      // firmata-io counts pending writes down in this callback; never leave it waiting.
      process.nextTick(() => callback?.(new Error('Firmata transport is closed')));
      return false;
    }
    return this.stream.write(data, callback);
  }

  /** Ends the stream (FIN for a socket, 'end' for the peer of a pair), then destroys it. */
  async close(graceMs = 500): Promise<void> {
    const stream = this.stream;
    if (!stream.destroyed) {
      await new Promise<void>((resolve) => {
        const timer = this.timers.setTimeout(resolve, graceMs);
        stream.end(() => {
          this.timers.clearTimeout(timer);
          resolve();
        });
      });
      stream.destroy();
    }
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}

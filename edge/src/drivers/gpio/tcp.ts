/**
 * A GPIO chip on the other end of a TCP connection: firmware-sim's emulated chip (npm run sim --
 * --gpio, the demo's GPIO gate), for running an agent in GPIO mode without GPIO hardware. The wire
 * is the emulator's one-line-per-message text (firmware-sim/src/gpio/chip.ts). A closed connection
 * is a lost chip.
 */
import net from 'node:net';
import { createInterface } from 'node:readline';
import type { Unsubscribe } from '../ports.js';
import type { Bias, GpioBinding, GpioChip, GpioInput, GpioOutput } from './binding.js';

class TcpChip implements GpioChip {
  private readonly inputs = new Map<number, (high: boolean) => void>();
  private readonly lostListeners = new Set<(why: Error) => void>();
  private closing = false;

  constructor(
    readonly name: string,
    private readonly socket: net.Socket,
  ) {
    const lines = createInterface({ input: socket });
    lines.on('line', (text) => {
      const [kind, offset, rest] = text.trim().split(/\s+/, 3);
      if (kind === 'level') this.inputs.get(Number(offset))?.(rest === '1');
      else if (kind === 'error')
        this.lose(new Error(`${name} line ${offset}: ${text.split(/\s+/).slice(2).join(' ')}`));
    });
    socket.on('close', () => this.lose(new Error(`${name}: the connection closed`)));
    socket.on('error', () => undefined);
  }

  private send(text: string): void {
    if (!this.socket.destroyed) this.socket.write(`${text}\n`);
  }

  output(offset: number, high: boolean): GpioOutput {
    this.send(`out ${offset} ${high ? 1 : 0}`);
    return {
      set: (value) => this.send(`set ${offset} ${value ? 1 : 0}`),
      release: () => this.send(`release ${offset}`),
    };
  }

  input(offset: number, options: { bias: Bias }, listener: (high: boolean) => void): GpioInput {
    this.inputs.set(offset, listener);
    this.send(`in ${offset} ${options.bias}`);
    return {
      release: () => {
        this.inputs.delete(offset);
        this.send(`release ${offset}`);
      },
    };
  }

  onLost(listener: (why: Error) => void): Unsubscribe {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.socket.end();
  }

  private lose(why: Error): void {
    if (this.closing) return;
    for (const l of [...this.lostListeners]) l(why);
  }
}

export class TcpGpioBinding implements GpioBinding {
  async open(chip: string): Promise<GpioChip> {
    const url = /^tcp:\/\/([^:/]+):(\d{1,5})$/.exec(chip);
    if (!url) throw new Error(`GPIO chip ${chip}: expected tcp://host:port`);
    const socket = net.connect({ host: url[1]!, port: Number(url[2]) });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', (error) => reject(new Error(`GPIO chip ${chip}: ${error.message}`)));
    });
    return new TcpChip(chip, socket);
  }
}

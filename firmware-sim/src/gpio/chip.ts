/**
 * An emulated GPIO chip, served on TCP for an edge agent in GPIO mode (board.kind gpio with chip
 * tcp://host:port), as the Firmata board is served for one in Firmata mode. The barrier model and
 * the loop detectors drive and watch its lines exactly as they do a Firmata board's pins.
 *
 * The wire, one line of text per message:
 *   host → chip  `out <offset> <0|1>`   claim an output at a level     `set <offset> <0|1>`
 *                `in <offset> <bias>`   claim an input                 `release <offset>`
 *   chip → host  `level <offset> <0|1>` an input's level, at its claim and at every edge
 *                `error <offset> <text>` a claim or a set refused (a busy line, no such line)
 * A closed connection releases the host's lines; an output keeps its level, as the kernel leaves it.
 */
import net from 'node:net';
import { createInterface } from 'node:readline';
import { Listeners, type Unsubscribe } from '../firmata/clock.js';
import { PinMode } from '../firmata/protocol.js';

interface Line {
  claimed: 'output' | 'input' | null;
  level: boolean;
  /** Set by the simulation (a loop, a limit switch): what an input reads. */
  applied: boolean;
  outputs: Listeners<boolean>;
}

export class EmulatedGpioChip {
  private readonly lines: Line[];
  private host: net.Socket | null = null;

  constructor(readonly lineCount = 64) {
    this.lines = Array.from({ length: lineCount }, () => ({
      claimed: null,
      level: false,
      applied: false,
      outputs: new Listeners<boolean>(),
    }));
  }

  // ---- what the barrier model and the loop detectors use (as on a FirmataDevice) ----

  onOutput(pin: number, listener: (high: boolean) => void): Unsubscribe {
    const line = this.lines[pin];
    if (!line) throw new RangeError(`the chip has no line ${pin}`);
    return line.outputs.add(listener);
  }

  pinMode(pin: number): PinMode | undefined {
    const line = this.lines[pin];
    if (!line) return undefined;
    return line.claimed === 'output' ? PinMode.OUTPUT : PinMode.INPUT;
  }

  digitalValue(pin: number): boolean {
    const line = this.lines[pin];
    if (!line) return false;
    return line.claimed === 'output' ? line.level : line.applied;
  }

  setInput(pin: number, value: boolean | 0 | 1): void {
    const line = this.lines[pin];
    if (!line) throw new RangeError(`the chip has no line ${pin}`);
    const high = value === true || value === 1;
    if (line.applied === high) return;
    line.applied = high;
    if (line.claimed === 'input') this.send(`level ${pin} ${high ? 1 : 0}`);
  }

  /** What the simulation applies to an input line. */
  inputLevel(pin: number): boolean {
    return this.lines[pin]?.applied ?? false;
  }

  /** Whether an agent is connected. */
  get connected(): boolean {
    return this.host !== null;
  }

  // ---- the host's side ----

  /** Takes a host connection (one at a time: a new one replaces the old, as a restarted agent). */
  attach(socket: net.Socket): void {
    this.host?.destroy();
    this.releaseAll();
    this.host = socket;
    socket.setNoDelay(true);
    const lines = createInterface({ input: socket });
    lines.on('line', (text) => this.command(text.trim()));
    socket.on('close', () => {
      if (this.host !== socket) return;
      this.host = null;
      this.releaseAll();
    });
    socket.on('error', () => undefined);
  }

  private command(text: string): void {
    const [verb, rawOffset, arg] = text.split(/\s+/);
    const offset = Number(rawOffset);
    const line = Number.isInteger(offset) ? this.lines[offset] : undefined;
    const refuse = (why: string) => this.send(`error ${rawOffset ?? '?'} ${why}`);
    if (!line) refuse('no such line');
    else if (verb === 'out' || verb === 'in') {
      if (line.claimed) refuse('busy');
      else if (verb === 'out') {
        line.claimed = 'output';
        this.drive(line, arg === '1');
      } else {
        line.claimed = 'input';
        this.send(`level ${offset} ${line.applied ? 1 : 0}`);
      }
    } else if (verb === 'set') {
      if (line.claimed === 'output') this.drive(line, arg === '1');
      else refuse('not an output');
    } else if (verb === 'release') line.claimed = null;
    else refuse(`unknown command ${verb}`);
  }

  private drive(line: Line, high: boolean): void {
    if (line.level === high) return;
    line.level = high;
    line.outputs.emit(high);
  }

  private releaseAll(): void {
    for (const line of this.lines) line.claimed = null;
  }

  private send(text: string): void {
    this.host?.write(`${text}\n`);
  }

  /** Ends the host's connection: to it, the chip is lost. */
  disconnect(): void {
    this.host?.destroy();
  }
}

export interface GpioTcpServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export async function serveGpioOverTcp(
  chip: EmulatedGpioChip,
  port = 0,
  host = '127.0.0.1',
): Promise<GpioTcpServer> {
  const server = net.createServer((socket) => chip.attach(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as net.AddressInfo).port;
  return {
    port: bound,
    url: `tcp://${host}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        chip.disconnect();
        server.close(() => resolve());
      }),
  };
}

/** The simulator's command line. */
import { parseArgs } from 'node:util';

export const USAGE = `usage: npm run sim -- --gates N [--host 127.0.0.1] [--base-port P] [--pty] [--gpio] [--json]

Starts N gates of emulated hardware (a Firmata board with barrier and loops, an ANPR camera and an
RDM6300 reader per gate) on TCP, prints their addresses, then reads commands from stdin.

  --gates N        how many gates, 1 to 64
  --host H         interface to listen on (default 127.0.0.1)
  --base-port P    fixed ports: gate n gets P+3(n-1) (board), +1 (camera), +2 (rfid); default: free ports
  --pty            also expose each camera and reader on a pseudo-terminal (needs socat)
  --gpio           the barrier and loops on an emulated GPIO chip (for agents with board.kind gpio,
                   chip tcp://…) instead of a Firmata board
  --json           also print the addresses as one JSON line
  -h, --help       this text`;

export interface SimArgs {
  gates: number;
  host: string;
  basePort?: number;
  pty: boolean;
  gpio: boolean;
  json: boolean;
}

export type ParsedArgs = { ok: true; args: SimArgs } | { ok: false; help: boolean; error?: string };

export function parseSimArgs(argv: string[]): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        gates: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        'base-port': { type: 'string' },
        pty: { type: 'boolean', default: false },
        gpio: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    return { ok: false, help: false, error: error instanceof Error ? error.message : String(error) };
  }
  if (values.help) return { ok: false, help: true };
  const gates = Number(values.gates);
  if (values.gates === undefined) return { ok: false, help: false, error: '--gates is required' };
  if (!Number.isInteger(gates) || gates < 1 || gates > 64) {
    return {
      ok: false,
      help: false,
      error: `--gates must be a whole number from 1 to 64, got "${values.gates}"`,
    };
  }
  const host = String(values.host);
  if (host.trim() === '') return { ok: false, help: false, error: '--host must not be empty' };
  const args: SimArgs = {
    gates,
    host,
    pty: values.pty === true,
    gpio: values.gpio === true,
    json: values.json === true,
  };
  if (values['base-port'] !== undefined) {
    const base = Number(values['base-port']);
    if (!Number.isInteger(base) || base < 1 || base + 3 * gates - 1 > 65535) {
      return {
        ok: false,
        help: false,
        error: `--base-port must leave room for ${3 * gates} ports below 65536`,
      };
    }
    args.basePort = base;
  }
  return { ok: true, args };
}

/**
 * The console with no subcommand: a prompt (node:readline) that completes commands and gate names,
 * and runs the same commands as the command line. `watch` runs until Enter.
 */
import { createInterface, type Interface } from 'node:readline';
import type { GateInfo } from './api.js';
import { listGates } from './api.js';
import { paint } from './output.js';
import { accounts, command, type Session, showGates, watch } from './program.js';

const COMMANDS = ['gates', 'watch', 'open', 'hold-open', 'release', 'accounts', 'help', 'quit'];
const HELP = `commands:
  gates                               every gate and what it last said of itself
  watch [gate]                        the live feed (Enter stops it)
  open | hold-open | release <gate> <reason…>
  accounts list | create <name> <role> | rotate <name> | disable <name>
  quit`;

/** Splits a line into words; "quoted words" stay one. */
export function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/** What Tab offers after `line`: commands first, then gate ids and names. */
export function complete(line: string, gates: GateInfo[]): [string[], string] {
  const parts = line.split(/\s+/);
  const last = parts.at(-1) ?? '';
  const candidates =
    parts.length <= 1
      ? COMMANDS
      : parts[0] === 'accounts' && parts.length === 2
        ? ['list', 'create', 'rotate', 'disable']
        : ['open', 'hold-open', 'release', 'watch'].includes(parts[0]!) && parts.length === 2
          ? [...gates.map((g) => g.id), ...gates.map((g) => (g.name.includes(' ') ? `"${g.name}"` : g.name))]
          : [];
  const hits = candidates.filter((c) => c.startsWith(last));
  return [hits.length > 0 ? hits : candidates, last];
}

export async function interactive(session: Session): Promise<number> {
  const { out } = session;
  let gates: GateInfo[] = await listGates(session.api).catch(() => []);
  const rl: Interface = createInterface({
    input: process.stdin,
    output: process.stdout,
    completer: (line: string) => complete(line, gates),
    prompt: paint(out, 'bold', `${session.settings.user}> `),
  });
  out.write(
    `parkinglot console: ${session.settings.cloudUrl}, ${session.settings.mqttUrl}, as ${session.settings.user}. Tab completes; "help" lists the commands.`,
  );
  rl.prompt();
  for await (const line of rl) {
    const [verb, ...args] = words(line.trim());
    try {
      if (!verb) {
        // nothing
      } else if (verb === 'quit' || verb === 'exit') {
        break;
      } else if (verb === 'help') {
        out.write(HELP);
      } else if (verb === 'gates') {
        await showGates(session);
        gates = await listGates(session.api).catch(() => gates);
      } else if (verb === 'watch') {
        const stop = new AbortController();
        rl.pause();
        const onKey = () => stop.abort();
        process.stdin.once('data', onKey);
        process.stdin.resume();
        await watch({ ...session, stop: stop.signal }, args[0] ? { gate: args[0] } : {});
        process.stdin.off('data', onKey);
        rl.resume();
      } else if (verb === 'open' || verb === 'hold-open' || verb === 'release') {
        const [gate, ...reason] = args;
        if (!gate || reason.length === 0) out.error(`usage: ${verb} <gate> <reason…>`);
        else await command(session, verb, gate, reason.join(' '), 10_000, gates);
      } else if (verb === 'accounts') {
        const [sub = 'list', name, role] = args;
        await accounts(session, sub, name, role);
      } else {
        out.error(`unknown command ${verb}; "help" lists them`);
      }
    } catch (error) {
      out.error(paint(out, 'red', (error as Error).message));
    }
    rl.prompt();
  }
  rl.close();
  return 0;
}

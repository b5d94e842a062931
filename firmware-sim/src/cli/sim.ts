/**
 * `npm run sim -- --gates N [--host H] [--pty] [--json]`: emulated gate hardware for edge agents to
 * connect to, and a prompt to drive it by hand (commands in commands.ts). Exits 0 on quit, stdin end,
 * Ctrl-C or SIGTERM; 2 on bad arguments; 1 when the devices cannot be started.
 */
import readline from 'node:readline';
import { isPtyAvailable } from '../serial/pty.js';
import { parseSimArgs, USAGE } from './args.js';
import { COMMAND_HELP, runCommand } from './commands.js';
import { type GateDevices, startGateDevices } from './devices.js';
import { addressJson, addressTable, PIN_NOTES } from './table.js';

async function main(): Promise<void> {
  const parsed = parseSimArgs(process.argv.slice(2));
  if (!parsed.ok) {
    if (parsed.help) {
      console.log(USAGE);
      process.exit(0);
    }
    console.error(`${parsed.error}\n\n${USAGE}`);
    process.exit(2);
  }
  const { args } = parsed;
  let pty = args.pty;
  if (pty && !isPtyAvailable()) {
    console.error('socat is not on PATH: serving on TCP only (--pty ignored)');
    pty = false;
  }

  const gates: GateDevices[] = [];
  let closing = false;
  const shutdown = async (code: number) => {
    if (closing) return;
    closing = true;
    // Emulators first, so no write races a closing socket; a failure must not keep socat running.
    await Promise.allSettled(gates.map((gate) => gate.close()));
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    for (let i = 0; i < args.gates; i++) {
      const base = args.basePort === undefined ? undefined : args.basePort + 3 * i;
      const ports = base === undefined ? {} : { board: base, camera: base + 1, rfid: base + 2 };
      gates.push(
        await startGateDevices({ host: args.host, ports, pty, ...(args.gpio ? { kind: 'gpio' } : {}) }),
      );
    }
  } catch (error) {
    console.error(`could not start the devices: ${error instanceof Error ? error.message : String(error)}`);
    await Promise.allSettled(gates.map((gate) => gate.close()));
    process.exit(1);
  }

  const addresses = gates.map((gate) => gate.addresses);
  console.log(addressTable(addresses));
  console.log(`\n${PIN_NOTES}`);
  if (args.json) console.log(addressJson(addresses));

  const interactive = process.stdin.isTTY === true;
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: interactive,
  });
  const print = (line: string) => console.log(line);
  if (interactive) {
    print(`\n${COMMAND_HELP}`);
    rl.setPrompt('sim> ');
    rl.prompt();
  }
  // Ctrl-C at the prompt reaches readline, not the process.
  rl.on('SIGINT', () => void shutdown(0));
  rl.on('close', () => void shutdown(0));
  rl.on('line', (line) => {
    // Commands run side by side: a car waiting for its arm must not block `status` or another gate.
    void runCommand(line, { gates, print }).then((result) => {
      if (result === 'quit') void shutdown(0);
      else if (interactive && !closing) rl.prompt();
    });
  });
}

void main();

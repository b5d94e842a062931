#!/usr/bin/env node
/** `npm run console` / `parkinglot-console`: the operator console (README, "Operating it"). */
import { CommanderError } from 'commander';
import { ConsoleError } from './api.js';
import { interactive } from './interactive.js';
import { terminalOutput } from './output.js';
import { buildProgram, SettingsError, sessionFrom } from './program.js';

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());

function fail(error: unknown): never {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  const usage = error instanceof SettingsError || (error instanceof ConsoleError && error.code === 'usage');
  process.stderr.write(`parkinglot-console: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(usage ? 2 : 1);
}

const program = buildProgram({
  session: (flags) => ({
    ...sessionFrom(
      flags,
      terminalOutput({ json: flags.json === true, ...(flags.color === false ? { color: false } : {}) }),
    ),
    stop: stop.signal,
  }),
  interactive,
  exit: (code) => process.exit(code),
});
program.parseAsync(process.argv).catch(fail);

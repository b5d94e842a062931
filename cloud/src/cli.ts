#!/usr/bin/env node
import { createLogger } from '@parkinglot/platform/log';
import { argValue } from '@parkinglot/platform/process';
import { systemClock } from '@parkinglot/platform/time';
/**
 * Maintenance commands: `npm run cli -w @parkinglot/cloud -- <command> [--config file]`.
 *   rebuild-schedule   drop the schedule read model and replay the event log from sequence 0
 *   migrate            apply pending database migrations and exit
 *   verify-schedule    compare the schedule read model with a rebuild from the event log (read only,
 *                      safe while the cloud runs); exits 1 when they differ
 */
import { ConfigError, loadConfig } from './config/load.js';
import { openDatabase } from './db/database.js';
import { EventBus } from './domain/bus.js';
import { lastSeq } from './domain/event-log.js';
import { ScheduleProjector } from './projection/schedule-projector.js';
import { verifySchedule } from './projection/verify-schedule.js';

const USAGE = 'usage: parkinglot-cloud-cli <rebuild-schedule|migrate|verify-schedule> [--config file.json]';

async function main(argv: string[]): Promise<number> {
  const command = argv.find((a) => !a.startsWith('-') && argv[argv.indexOf(a) - 1] !== '--config');
  const config = loadConfig({ file: argValue(argv, '--config') });
  const log = createLogger('cli', config.logLevel);
  if (command !== 'rebuild-schedule' && command !== 'migrate' && command !== 'verify-schedule') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (command === 'verify-schedule') {
    const check = await verifySchedule(config.databaseUrl, log);
    for (const line of check.differences) process.stdout.write(`${line}\n`);
    process.stdout.write(
      check.differences.length === 0
        ? `the schedule (${check.spaces} spaces) matches a rebuild from the event log up to seq ${check.seq}\n`
        : `${check.differences.length} space(s) differ from a rebuild from the event log up to seq ${check.seq}\n`,
    );
    return check.differences.length === 0 ? 0 : 1;
  }
  const database = await openDatabase(config.databaseUrl, log);
  try {
    if (command === 'migrate') {
      process.stdout.write('database is up to date\n');
      return 0;
    }
    const projector = new ScheduleProjector({
      db: database.db,
      bus: new EventBus(log),
      clock: systemClock,
      log,
    });
    const head = await lastSeq(database.db);
    process.stdout.write(`rebuilding the schedule from ${head} events…\n`);
    const started = performance.now();
    const projected = await projector.rebuild();
    process.stdout.write(
      `schedule rebuilt: ${projected} events in ${Math.round(performance.now() - started)} ms\n`,
    );
    return 0;
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `parkinglot: ${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`,
    );
    process.exit(1);
  },
);

#!/usr/bin/env node
/**
 * `npm run edge -- --config gate.json`: one gate's agent. Logs go to stderr; a one-line status on
 * start goes to stdout. SIGINT/SIGTERM stop it cleanly; a lost Firmata board stops it with exit
 * code 3 so the supervisor (systemd, a container runtime) restarts it and the board is set up again.
 */
import { createLogger } from '@parkinglot/platform/log';
import { argValue, stopOnSignals } from '@parkinglot/platform/process';
import { systemClock } from '@parkinglot/platform/time';
import { startAgent } from './agent.js';
import { EdgeConfigError, loadEdgeConfig } from './config/load.js';
import { openHardware } from './drivers/open-hardware.js';
import { keepAlive } from './liveness.js';

export const EXIT_BOARD_LOST = 3;

async function main(argv: string[]): Promise<void> {
  const file = argValue(argv, '--config') ?? process.env.PARKING_EDGE_CONFIG;
  const config = loadEdgeConfig({ file });
  const log = createLogger(`edge:${config.gateId}`, config.logLevel);
  const clock = systemClock;
  let shutdown: { stopping: boolean } | null = null;
  let opened: { close(): Promise<void> } | null = null;
  const hardware = await openHardware(config, {
    log,
    clock,
    onBoardLost: () => {
      if (shutdown?.stopping) return;
      log.error('the board (Firmata or GPIO) was lost; exiting so the supervisor restarts the agent');
      // Its lines are let go first (a GPIO relay held by a tool would outlive the agent), briefly.
      const bounded = new Promise((resolve) => setTimeout(resolve, 2_000).unref());
      void Promise.race([opened?.close(), bounded]).finally(() => process.exit(EXIT_BOARD_LOST));
    },
  });
  opened = hardware;
  const agent = await startAgent(config, { log, clock, hardware });
  process.stdout.write(
    `parkinglot edge agent: gate ${config.gateId} (${config.direction}), cloud ${config.mqtt.url}, ` +
      `outbox ${agent.outbox.depth} waiting in ${config.dataDir}\n`,
  );
  const stopLiveness = keepAlive(
    config.dataDir,
    () => ({ outboxDepth: agent.outbox.depth, cloudConnected: agent.mqtt.isConnected }),
    (error) => log.warn('could not write the liveness file', error),
  );
  shutdown = stopOnSignals(async () => {
    stopLiveness();
    await agent.stop();
  }, log);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message =
    error instanceof EdgeConfigError ? error.message : ((error as Error)?.message ?? String(error));
  process.stderr.write(`parkinglot-edge: ${message}\n`);
  process.exit(1);
});

#!/usr/bin/env node
/**
 * `node edge/dist/health.js [--config gate.json]`: exits 0 when the agent of that configuration is
 * alive (its liveness file is fresh), 1 with the reason otherwise. A container's HEALTHCHECK.
 */
import { argValue } from '@parkinglot/platform/process';
import { loadEdgeConfig } from './config/load.js';
import { notAlive } from './liveness.js';

try {
  const config = loadEdgeConfig({
    file: argValue(process.argv.slice(2), '--config') ?? process.env.PARKING_EDGE_CONFIG,
  });
  const problem = notAlive(config.dataDir, Date.now());
  process.stdout.write(`${problem ?? 'alive'}\n`);
  process.exit(problem ? 1 : 0);
} catch (error) {
  process.stdout.write(`${(error as Error).message}\n`);
  process.exit(1);
}

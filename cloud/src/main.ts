#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '@parkinglot/platform/log';
import { argValue, stopOnSignals } from '@parkinglot/platform/process';
/**
 * `npm start`: the cloud on the embedded defaults (aedes + a sqlite file under ./data), or whatever
 * the configuration says. Prints where it listens and the operator token on stdout; logs on stderr.
 */
import { ConfigError, loadConfig } from './config/load.js';
import { StartupError, startCloud } from './server.js';

async function main(): Promise<void> {
  const config = loadConfig({ file: argValue(process.argv.slice(2), '--config') });
  const log = createLogger('cloud', config.logLevel);
  const cloud = await startCloud(config, { log });
  // Where the console and the web view find this cloud when run beside it (their flags come first).
  mkdirSync(config.dataDir, { recursive: true });
  writeFileSync(
    join(config.dataDir, 'cloud.json'),
    `${JSON.stringify({ httpUrl: cloud.httpUrl, mqttUrl: cloud.mqttUrl, mqttTlsUrl: cloud.mqttTlsUrl }, null, 2)}\n`,
  );
  const out = [
    'parkinglot cloud is up',
    `  HTTP API        ${cloud.httpUrl}/api   (health ${cloud.httpUrl}/healthz, readiness /readyz)`,
    `  MQTT            ${cloud.mqttUrl}   ${cloud.mqttPort === null ? '(external broker)' : '(embedded broker)'}`,
    ...(cloud.mqttTlsUrl ? [`  MQTT over TLS   ${cloud.mqttTlsUrl}`] : []),
    `  live view       ${cloud.httpUrl}/   (sign in with an operator token)`,
    `  API docs        ${cloud.httpUrl}/api/docs   (OpenAPI: /api/openapi.json)`,
    `  console         npm run console   (reads ${config.dataDir}/cloud.json and the operator token)`,
    `  database        ${config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@')}`,
    config.operatorToken
      ? '  operator token  (from PARKING_OPERATOR_TOKEN)'
      : `  operator token  ${cloud.operatorToken}   (${cloud.operatorTokenGenerated ? 'generated now, ' : ''}kept in ${config.dataDir}/operator-token)`,
    '  Ctrl-C stops it.',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  stopOnSignals(() => cloud.stop(), log, { deadlineMs: config.shutdownTimeout });
}

main().catch((error: unknown) => {
  const known = error instanceof ConfigError || error instanceof StartupError;
  process.stderr.write(
    `parkinglot: ${known ? (error as Error).message : ((error as Error)?.stack ?? String(error))}\n`,
  );
  process.exit(1);
});

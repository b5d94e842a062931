#!/usr/bin/env node
/**
 * `npm test`: lint, typecheck and every workspace's tests. Each stage runs whatever failed before it,
 * and turbo runs every workspace whatever fails first (`--continue`), so one red workspace cannot
 * hide the others. Exits non-zero when anything failed; the last line counts every workspace's tests.
 *
 *   npm test                       everything
 *   npm test -- --filter=edge      one workspace's typecheck and tests (turbo's filter)
 *
 * Then the suites that run against a whole cloud (each workspace's `test:variant`) run again on
 * every other variant (cloud/src/testing/variant.ts): PostgreSQL with aedes, and so on.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readReports, summarise } from './test-report.mjs';

/** The engines the shared suites run on; the first is the default every workspace's `test` uses. */
const VARIANTS = ['sqlite', 'postgres', 'postgres-mosquitto'];

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const extra = process.argv.slice(2);
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };
const bin = (name) => join(root, 'node_modules', '.bin', name);

function stage(title, command, args) {
  process.stdout.write(`\n== ${title}\n`);
  const result = spawnSync(command, args, { cwd: root, env, stdio: 'inherit' });
  if (result.error) process.stdout.write(`${title}: could not run ${command}: ${result.error.message}\n`);
  return result.status === 0;
}

for (const dir of readReports(root).dirs)
  rmSync(join(root, dir, '.test-results'), { recursive: true, force: true });

const failed = [];
if (!stage('lint', bin('biome'), ['check', '.'])) failed.push('lint');
if (!stage('typecheck', bin('turbo'), ['run', 'typecheck', '--continue', ...extra])) failed.push('typecheck');
// One workspace at a time: several suites start brokers, databases and child processes of their own.
if (!stage('test', bin('turbo'), ['run', 'test', '--concurrency=1', '--continue', ...extra]))
  failed.push('test');
for (const variant of VARIANTS.slice(1)) {
  const title = `test on ${variant}`;
  env.PARKING_TEST_VARIANT = variant;
  if (!stage(title, bin('turbo'), ['run', 'test:variant', '--concurrency=1', '--continue', ...extra]))
    failed.push(title);
}
delete env.PARKING_TEST_VARIANT;

const { line, problems } = summarise(readReports(root), extra.length === 0);
process.stdout.write('\n');
for (const problem of problems) process.stdout.write(`${problem}\n`);
if (failed.length > 0) process.stdout.write(`failed: ${failed.join(', ')}\n`);
process.stdout.write(`${line}\n`);
process.exitCode = failed.length > 0 || problems.length > 0 ? 1 : 0;

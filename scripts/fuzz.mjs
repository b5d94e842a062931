#!/usr/bin/env node
/**
 * `npm run fuzz -- --runs N`: the property-based fuzz suites (files named *.fuzz.test.ts) with N
 * generated cases per property; `npm test` runs the same suites with 150. Prints each workspace's
 * result and time; exits non-zero on any failure (fast-check prints the shrunk counterexample).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const at = args.indexOf('--runs');
const runs = at >= 0 ? Number(args[at + 1]) : 1000;
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write('fuzz: --runs takes a whole number of cases per property, e.g. --runs 5000\n');
  process.exit(2);
}
const WORKSPACES = ['cloud', 'edge'];
let failed = false;
for (const workspace of WORKSPACES) {
  process.stdout.write(`\n== fuzz ${workspace}: ${runs} cases per property\n`);
  const started = Date.now();
  const result = spawnSync(join(root, 'node_modules', '.bin', 'vitest'), ['run', 'fuzz.test'], {
    cwd: join(root, workspace),
    env: { ...process.env, PARKING_FUZZ_RUNS: String(runs) },
    stdio: 'inherit',
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `== fuzz ${workspace}: ${result.status === 0 ? 'passed' : 'FAILED'} in ${seconds} s\n`,
  );
  if (result.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;

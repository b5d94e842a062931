#!/usr/bin/env node
/**
 * Sums every workspace's vitest JSON report (`<workspace>/.test-results/vitest.json`) into one line,
 * `tests: N passed, N failed, N skipped`. A workspace with tests that wrote no report (its run crashed
 * or never started) and a test file that failed to load are problems, named one a line.
 * Run on its own, it prints the problems and the line and exits non-zero on any failure.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspaces that have tests, and the reports they left. */
export function readReports(root) {
  const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const dirs = workspaces.filter((dir) => {
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    return Boolean(pkg.scripts?.test);
  });
  const reports = new Map();
  for (const dir of dirs) {
    const file = join(root, dir, '.test-results', 'vitest.json');
    if (existsSync(file)) reports.set(dir, JSON.parse(readFileSync(file, 'utf8')));
  }
  return { dirs, reports };
}

export function summarise({ dirs, reports }, requireAll = true) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const problems = [];
  for (const dir of dirs) {
    const r = reports.get(dir);
    if (!r) {
      if (requireAll) problems.push(`${dir}: no test report (its test run did not finish)`);
      continue;
    }
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    const broken = (r.testResults ?? []).filter(
      (f) => f.status === 'failed' && f.assertionResults.length === 0,
    );
    for (const file of broken)
      problems.push(`${dir}: ${file.name} failed to run: ${file.message ?? ''}`.trim());
  }
  if (passed === 0) problems.push('no test passed');
  return { line: `tests: ${passed} passed, ${failed} failed, ${skipped} skipped`, problems };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(fileURLToPath(import.meta.url), '..', '..');
  const { line, problems } = summarise(readReports(root));
  for (const problem of problems) console.log(problem);
  console.log(line);
  const failed = Number(/(\d+) failed/.exec(line)?.[1] ?? 0);
  process.exitCode = failed > 0 || problems.length > 0 ? 1 : 0;
}

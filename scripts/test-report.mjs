#!/usr/bin/env node
/**
 * Sums every workspace's vitest JSON reports (`<workspace>/.test-results/vitest*.json`, one per test
 * variant) into one line,
 * `tests: N passed, N failed, N skipped`. A workspace with tests that wrote no report (its run crashed
 * or never started) and a test file that failed to load are problems, named one a line.
 * Run on its own, it prints the problems and the line and exits non-zero on any failure.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
  const variants = [];
  for (const dir of dirs) {
    const folder = join(root, dir, '.test-results');
    if (!existsSync(join(folder, 'vitest.json'))) continue;
    reports.set(dir, JSON.parse(readFileSync(join(folder, 'vitest.json'), 'utf8')));
    for (const name of readdirSync(folder).filter((n) => /^vitest-.+\.json$/.test(n))) {
      variants.push({ dir, name, report: JSON.parse(readFileSync(join(folder, name), 'utf8')) });
    }
  }
  return { dirs, reports, variants };
}

export function summarise({ dirs, reports, variants = [] }, requireAll = true) {
  const totals = { passed: 0, failed: 0, skipped: 0 };
  const problems = [];
  const add = (label, r) => {
    totals.passed += r.numPassedTests;
    totals.failed += r.numFailedTests;
    totals.skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    const broken = (r.testResults ?? []).filter(
      (f) => f.status === 'failed' && f.assertionResults.length === 0,
    );
    for (const file of broken)
      problems.push(`${label}: ${file.name} failed to run: ${file.message ?? ''}`.trim());
  };
  for (const dir of dirs) {
    const r = reports.get(dir);
    if (r) add(dir, r);
    else if (requireAll) problems.push(`${dir}: no test report (its test run did not finish)`);
  }
  for (const { dir, name, report } of variants) add(`${dir} (${name})`, report);
  if (totals.passed === 0) problems.push('no test passed');
  const { passed, failed, skipped } = totals;
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

/** How the bench prints its figures: numbers, latencies, and the table it writes to results/. */
import { cpus } from 'node:os';
import type { LatencySummary } from './lib/histogram.js';

export const f = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export const lat = (l: LatencySummary) => `${f(l.p50, 2)} / ${f(l.p99, 2)} / ${f(l.p999, 2)}`;

export function writeTable(title: string, rows: string[], columns: string): string {
  const header = [
    `# parkinglot benchmarks (${title})`,
    '',
    `${new Date().toISOString()} · ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} · Node ${process.version}`,
    '',
    columns,
    columns.replace(/[^|]+/g, '---'),
  ];
  const table = [...header, ...rows].join('\n');
  process.stdout.write(`${table}\n`);
  return table;
}

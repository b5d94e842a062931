/** Writing for a person (colours on a terminal, unless NO_COLOR) or for a program (`--json`: one JSON value per line). */
import { styleText } from 'node:util';
import type { Line } from './narrator.js';

export interface Output {
  json: boolean;
  color: boolean;
  write(text: string): void;
  error(text: string): void;
}

export function terminalOutput(options: { json: boolean; color?: boolean }): Output {
  const color = options.color ?? (process.stdout.isTTY === true && !process.env.NO_COLOR);
  return {
    json: options.json,
    color,
    write: (text) => process.stdout.write(`${text}\n`),
    error: (text) => process.stderr.write(`${text}\n`),
  };
}

type Style = Parameters<typeof styleText>[0];

export function paint(out: Output, style: Style, text: string): string {
  return out.color ? styleText(style, text) : text;
}

export function printLine(out: Output, line: Line, at: Date): void {
  if (out.json) {
    out.write(
      JSON.stringify({
        at: at.toISOString(),
        kind: line.kind,
        type: line.type,
        gateId: line.gateId,
        facilityId: line.facilityId,
        text: line.text,
        data: line.data,
      }),
    );
    return;
  }
  const time = paint(out, 'gray', at.toISOString().slice(11, 23));
  const kind = paint(out, 'cyan', line.kind.padEnd(12));
  const text =
    line.level === 'warn'
      ? paint(out, 'yellow', line.text)
      : line.level === 'good'
        ? paint(out, 'green', line.text)
        : line.text;
  out.write(`${time} ${kind} ${text}`);
}

/** A plain table: columns as wide as their widest cell. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell + ' '.repeat(widths[i]! - [...cell].length))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

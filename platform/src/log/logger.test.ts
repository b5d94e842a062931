import { describe, expect, it } from 'vitest';
import { createLogger, type LogSink } from './logger.js';

function capture() {
  const lines: string[] = [];
  const sink: LogSink = {
    write: (level, namespace, message) => lines.push(`${level} ${namespace}: ${message}`),
  };
  return { lines, log: createLogger('cloud', 'debug', sink) };
}

describe('logger', () => {
  it('writes what came from outside on one line, its control characters escaped', () => {
    const { lines, log } = capture();
    const eventId = 'evt\n2026-12-01T00:00:00.000Z ERROR cloud:db: FORGED LINE\u001b[31m';
    log.warn(`event ${eventId} rejected`);
    expect(lines).toEqual([
      'warn cloud: event evt\\n2026-12-01T00:00:00.000Z ERROR cloud:db: FORGED LINE\\u001b[31m rejected',
    ]);
  });

  it('keeps a stack on its lines, each indented so that none reads as an entry of its own', () => {
    const { lines, log } = capture();
    const error = new Error('bad\n2026-12-01T00:00:00.000Z ERROR forged');
    error.stack = `Error: ${error.message}\n    at somewhere (file.ts:1:1)`;
    log.error('failed', error);
    const [entry] = lines;
    for (const line of entry!.split('\n').slice(1)) expect(line.startsWith('    ')).toBe(true);
    expect(entry).toContain('failed: Error: bad');
  });
});

/** Test support for the serial drivers (excluded from the build by tsconfig.build.json). */
import type { LogMessage, SerialLogger } from './types.js';

// Captured at import, before any test installs fake timers, so waiting stays bounded in real time
// while the code under test runs on fake ones.
const realSetTimeout = globalThis.setTimeout;
const realNow = performance.now.bind(performance);

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  error?: unknown;
}

export interface RecordingLogger extends SerialLogger {
  readonly lines: LogLine[];
  messages(level: LogLine['level']): string[];
}

export function recordingLogger(): RecordingLogger {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (message: LogMessage, error?: unknown): void => {
      lines.push({ level, message: typeof message === 'function' ? message() : message, error });
    };
  return {
    lines,
    messages: (level) => lines.filter((line) => line.level === level).map((line) => line.message),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
}

/** Resolves as soon as `condition()` holds; rejects after `timeoutMs` of real time. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const started = realNow();
  while (!condition()) {
    if (realNow() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => realSetTimeout(resolve, 2));
  }
}

/** Feeds `bytes` in chunks of the given sizes, cycling through them. */
export function chunked(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0, i = 0; at < bytes.length; i += 1) {
    const size = sizes[i % sizes.length]!;
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

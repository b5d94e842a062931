/**
 * Namespaced, levelled, lazy logging: `log.debug(() => \`…\`)` builds its message only when debug
 * is on. One line per entry on stderr, `LEVEL namespace: message`, so stdout stays for what the
 * operator asked for (addresses, the operator token, CLI output).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

type Message = string | (() => string);

export interface Logger {
  debug(message: Message): void;
  info(message: Message): void;
  warn(message: Message, error?: unknown): void;
  error(message: Message, error?: unknown): void;
  child(namespace: string): Logger;
}

export interface LogSink {
  write(level: Exclude<LogLevel, 'silent'>, namespace: string, message: string): void;
}

const stderrSink: LogSink = {
  write(level, namespace, message) {
    process.stderr.write(
      `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${namespace}: ${message}\n`,
    );
  },
};

/**
 * What comes from outside (a client id, an event id, a topic) can hold a newline and a forged log
 * line after it, or terminal escapes: every control character of a message is written escaped
 * (`\n`, `\x1b`), so one entry is always one line and nothing in it drives the terminal.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

export function createLogger(
  namespace = 'parkinglot',
  level: LogLevel = (process.env.PARKING_LOG_LEVEL as LogLevel | undefined) ?? 'info',
  sink: LogSink = stderrSink,
): Logger {
  const threshold = ORDER[level] ?? ORDER.info;
  const emit = (at: Exclude<LogLevel, 'silent'>, message: Message, error?: unknown) => {
    if (ORDER[at] < threshold) return;
    const text = typeof message === 'function' ? message() : message;
    // A stack keeps its lines, each indented, so none of them can pass for an entry of its own.
    const detail =
      error === undefined
        ? ''
        : `: ${describe(error)
            .split('\n')
            .map((line) => escapeControl(line))
            .join('\n    ')}`;
    sink.write(at, namespace, `${escapeControl(text)}${detail}`);
  };
  return {
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m, e) => emit('warn', m, e),
    error: (m, e) => emit('error', m, e),
    child: (name) => createLogger(`${namespace}:${name}`, level, sink),
  };
}

/** For tests: a logger that drops everything below error unless PARKING_LOG_LEVEL says otherwise. */
export const quietLogger = (): Logger =>
  createLogger('test', (process.env.PARKING_LOG_LEVEL as LogLevel | undefined) ?? 'silent');

/**
 * Stops a service cleanly on SIGINT or SIGTERM, once: a second signal while stopping is ignored.
 * Exits 0 after a clean stop, 1 if stopping failed or took longer than `deadlineMs` (a hung stop
 * must not outlive a supervisor's grace period only to be killed without a word).
 */
import type { Logger } from '../log/logger.js';

export interface ShutdownHandle {
  /** True once a signal (or `begin`) started the shutdown. */
  readonly stopping: boolean;
}

export function stopOnSignals(
  stop: () => Promise<void>,
  log: Logger,
  options: { deadlineMs?: number } = {},
): ShutdownHandle {
  const handle = { stopping: false };
  const shutdown = (signal: string) => {
    if (handle.stopping) return;
    handle.stopping = true;
    log.info(`${signal}: stopping`);
    const { deadlineMs } = options;
    if (deadlineMs !== undefined) {
      setTimeout(() => {
        log.error(`did not stop within ${deadlineMs} ms; exiting`);
        process.exit(1);
      }, deadlineMs).unref();
    }
    stop().then(
      () => process.exit(0),
      (error) => {
        log.error('shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  return handle;
}

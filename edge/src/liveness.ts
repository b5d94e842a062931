/**
 * The agent's liveness, as a file a supervisor can read: `<dataDir>/alive` is rewritten every few
 * seconds from the agent's own event loop with when, the outbox depth and the cloud link. A hung
 * loop stops rewriting it; `node edge/dist/health.js` (a container's HEALTHCHECK) says so.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** How often the file is rewritten. */
export const LIVENESS_EVERY_MS = 5_000;
/** Older than this, the agent is not alive: three missed rewrites. */
export const LIVENESS_STALE_MS = 3 * LIVENESS_EVERY_MS;

export interface Liveness {
  at: string;
  outboxDepth: number;
  cloudConnected: boolean;
}

export const livenessFile = (dataDir: string) => join(dataDir, 'alive');

/** Starts rewriting the file; returns how to stop. A failed write is logged by the caller's `onError`. */
export function keepAlive(
  dataDir: string,
  read: () => Omit<Liveness, 'at'>,
  onError: (error: unknown) => void,
): () => void {
  const file = livenessFile(dataDir);
  const write = () => {
    try {
      const body: Liveness = { at: new Date().toISOString(), ...read() };
      writeFileSync(`${file}.tmp`, `${JSON.stringify(body)}\n`);
      renameSync(`${file}.tmp`, file);
    } catch (error) {
      onError(error);
    }
  };
  write();
  const timer = setInterval(write, LIVENESS_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** Why the agent writing `dataDir` is not alive at `now`, or null when it is. */
export function notAlive(dataDir: string, now: number): string | null {
  let text: string;
  try {
    text = readFileSync(livenessFile(dataDir), 'utf8');
  } catch (error) {
    return `no liveness file in ${dataDir} (${(error as NodeJS.ErrnoException).code ?? error})`;
  }
  let body: Partial<Liveness>;
  try {
    body = JSON.parse(text);
  } catch {
    return `the liveness file in ${dataDir} is not JSON`;
  }
  const at = typeof body.at === 'string' ? Date.parse(body.at) : Number.NaN;
  if (Number.isNaN(at)) return `the liveness file in ${dataDir} has no time`;
  const age = now - at;
  return age > LIVENESS_STALE_MS ? `the agent last said it was alive ${Math.round(age / 1000)} s ago` : null;
}

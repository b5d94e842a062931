/**
 * A PostgreSQL connection of its own, outside the pools, for what lives as long as a session does:
 * LISTEN (notifications.ts) and the leader's advisory lock (lease.ts). The server is told to probe
 * the socket, so that a peer that vanished without closing it (a cut cable, a frozen VM) ends the
 * session, and with it the lock, in about 10 s rather than after the OS default of two hours.
 */
import pg from 'pg';

export const SESSION_KEEPALIVE =
  '-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3';

export function sessionClient(url: string, name: string, queryTimeoutMs: number): pg.Client {
  return new pg.Client({
    connectionString: url,
    application_name: name,
    options: SESSION_KEEPALIVE,
    connectionTimeoutMillis: 5_000,
    query_timeout: queryTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 5_000,
  });
}

/** Ends a client that may already be broken, never throwing. */
export async function endQuietly(client: pg.Client | null): Promise<void> {
  if (!client) return;
  client.removeAllListeners('notification');
  client.on('error', () => undefined);
  await client.end().catch(() => undefined);
}

/**
 * PostgreSQL through kysely's PostgresDialect and a `pg` pool, for several cloud instances on one
 * database. The domain's transactions run REPEATABLE READ and run again when they lose a race
 * (db/transact.ts); single statements outside them (reads, checkpoints) run READ COMMITTED.
 */
import type { Logger } from '@parkinglot/platform/log';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../schema.js';
import type { DbLanes, DialectDatabase } from '../types.js';

const INT8_OID = 20;

/** Connections per instance: requests and batches, and entry decisions on a pool of their own. */
export const POOL_SIZE = { main: 10, urgent: 4 };

/** The URL without its password, for logs. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return `postgres ${u.host}${u.pathname}`;
  } catch {
    return 'postgres (unparsable URL)';
  }
}

export function poolConfig(url: string, max: number, name: string): pg.PoolConfig {
  return {
    connectionString: url,
    max,
    application_name: name,
    // A database that is down fails a request in seconds (503), not after the OS gives up.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    // Sequence numbers and counts are int8: they fit a double (2^53) for longer than any site lives.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID && format !== 'binary'
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  };
}

function pool(url: string, max: number, name: string, log: Logger): pg.Pool {
  const p = new pg.Pool(poolConfig(url, max, name));
  // An idle connection's error (the server restarted) arrives here; without a listener it would
  // be thrown and end the process. The pool drops that connection and opens another on demand.
  p.on('error', (error) => log.warn(`idle ${name} connection lost: ${error.message}`));
  // pg-pool listens for errors only while a connection is idle: one lost while lent out, between
  // two statements of a transaction, would be thrown. The statement in hand fails instead, and
  // the pool drops the connection when it is given back.
  p.on('connect', (client) => {
    client.on('error', (error) => log.debug(() => `${name} connection lost while in use: ${error.message}`));
  });
  return p;
}

export function openPostgres(url: string, log: Logger): DialectDatabase {
  const main = pool(url, POOL_SIZE.main, 'parkinglot-cloud', log);
  const urgent = pool(url, POOL_SIZE.urgent, 'parkinglot-cloud-urgent', log);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: main }) });
  const fast = new Kysely<Database>({ dialect: new PostgresDialect({ pool: urgent }) });
  const lanes: DbLanes = { urgent: fast, derived: db, background: db, urgentWaiting: () => false };
  return {
    db,
    lanes,
    dialect: 'postgres',
    shared: true,
    where: describePostgresUrl(url),
    close: async () => {
      await Promise.all([db.destroy(), fast.destroy()]);
    },
  };
}

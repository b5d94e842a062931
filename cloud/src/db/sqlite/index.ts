/**
 * sqlite: one file in WAL mode on one connection (platform/src/sqlite), for a site that needs no
 * more than one process. The database runs with synchronous=FULL: an ack tells a gate it may delete
 * an event, so a commit must survive a power cut, which NORMAL does not promise in WAL mode. The
 * lanes commit work that need not survive one at NORMAL, so that a gate's answer never waits for
 * an fsync of its own.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Sqlite3Dialect } from '@parkinglot/platform/sqlite';
import { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { DbLanes, DialectDatabase } from '../types.js';

/** `sqlite:<path>`, `file:<path>` or a bare path. */
export function openSqlite(url: string): DialectDatabase {
  const filename = url.replace(/^(sqlite|file):(\/\/)?/, '');
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  // Checkpoints are the cloud's own work, in the background lane (checkpointer.ts), not a commit's.
  const dialect = new Sqlite3Dialect({ filename, synchronous: 'FULL', autoCheckpoint: false });
  const db = new Kysely<Database>({ dialect });
  const lanes: DbLanes = {
    urgent: new Kysely<Database>({ dialect: dialect.inLane('urgent', { synchronous: 'NORMAL' }) }),
    derived: new Kysely<Database>({ dialect: dialect.inLane('normal', { synchronous: 'NORMAL' }) }),
    background: new Kysely<Database>({ dialect: dialect.inLane('background', { synchronous: 'NORMAL' }) }),
    urgentWaiting: () => dialect.waiting.urgent > 0,
  };
  return {
    db,
    lanes,
    dialect: 'sqlite',
    shared: false,
    where: `sqlite ${filename}`,
    // The connection closes when the last of them is destroyed.
    close: async () => {
      await Promise.all([lanes.urgent, lanes.derived, lanes.background, db].map((k) => k.destroy()));
    },
  };
}

/**
 * Versioned migrations, applied at start in order and recorded by kysely's Migrator in
 * `kysely_migration`. A migration never changes once released: add a new file.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import * as m001 from './001-initial.js';
import * as m002 from './002-member-lookups.js';
import * as m003 from './003-gate-event-keys.js';
import * as m004 from './004-event-log-order.js';
import * as m005 from './005-credential-turns.js';
import * as m006 from './006-operator-accounts.js';
import * as m007 from './007-retirement.js';
import * as m008 from './008-offline-allowlist.js';

export type SqlDialectName = 'sqlite' | 'postgres';

export interface MigrationContext {
  dialect: SqlDialectName;
}

type MigrationModule = { up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> };

const MIGRATIONS: Record<string, MigrationModule> = {
  '001-initial': m001,
  '002-member-lookups': m002,
  '003-gate-event-keys': m003,
  '004-event-log-order': m004,
  '005-credential-turns': m005,
  '006-operator-accounts': m006,
  '007-retirement': m007,
  '008-offline-allowlist': m008,
};

class StaticProvider implements MigrationProvider {
  constructor(private readonly ctx: MigrationContext) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, module] of Object.entries(MIGRATIONS)) {
      out[name] = { up: (db) => module.up(db, this.ctx) };
    }
    return out;
  }
}

/** Applies every pending migration; returns the names applied. Throws with the failing migration named. */
export async function migrateToLatest(db: Kysely<unknown>, dialect: SqlDialectName): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new StaticProvider({ dialect }) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${cause}`.replace('  ', ' '));
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

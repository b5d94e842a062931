/**
 * Gates by id, cached: a gate row never changes after registration, and the authorization path
 * should not pay a query for it on every car.
 */
import type { Kysely } from 'kysely';
import type { Database, Gate } from '../db/schema.js';
import { findGate } from '../domain/facilities.js';

export class GateDirectory {
  private readonly cache = new Map<string, Gate>();

  constructor(private readonly db: Kysely<Database>) {}

  /** Misses are not cached: a gate registered a moment ago must be found. */
  async get(gateId: string): Promise<Gate | undefined> {
    const cached = this.cache.get(gateId);
    if (cached) return cached;
    const gate = await findGate(this.db, gateId);
    if (gate) this.cache.set(gateId, gate);
    return gate;
  }
}

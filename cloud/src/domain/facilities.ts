/** Facilities, their spaces and their gates (domain rule 1). */

import { newId } from '@parkinglot/shared';
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../db/errors.js';
import type { Database, Gate } from '../db/schema.js';
import { hashSecret, newSecret } from '../util/secrets.js';
import { iso } from '../util/time.js';
import type { DomainContext } from './context.js';
import { conflict, DomainError, notFound } from './errors.js';
import { commit } from './unit-of-work.js';

export async function registerFacility(ctx: DomainContext, input: { name: string }) {
  return commit(ctx, async (trx, now) => {
    const facility = { id: newId('fac'), name: input.name, created_at: iso(now) };
    await trx.insertInto('facilities').values(facility).execute();
    return {
      result: { id: facility.id, name: facility.name, createdAt: facility.created_at },
      events: [
        {
          type: 'FacilityRegistered',
          aggregateType: 'facility',
          aggregateId: facility.id,
          facilityId: facility.id,
          data: { name: facility.name },
        },
      ],
    };
  });
}

/** The facility, or a 404 naming it. */
export async function requireFacility(db: Kysely<Database>, facilityId: string) {
  const facility = await db
    .selectFrom('facilities')
    .selectAll()
    .where('id', '=', facilityId)
    .executeTakeFirst();
  if (!facility) throw notFound('facility', facilityId);
  return facility;
}

export async function getFacility(ctx: DomainContext, facilityId: string) {
  const facility = await requireFacility(ctx.db, facilityId);
  const [spaces, gates] = await Promise.all([
    ctx.db
      .selectFrom('spaces')
      .select(['id', 'label', 'floor', 'status', 'retired_at as retiredAt'])
      .where('facility_id', '=', facilityId)
      .orderBy('label')
      .execute(),
    ctx.db
      .selectFrom('gates')
      .select(['id', 'name', 'direction', 'deactivated_at as deactivatedAt'])
      .where('facility_id', '=', facilityId)
      .orderBy('name')
      .execute(),
  ]);
  return { id: facility.id, name: facility.name, createdAt: facility.created_at, spaces, gates };
}

export async function addSpace(
  ctx: DomainContext,
  facilityId: string,
  input: { label: string; floor: string },
) {
  try {
    return await commit(ctx, async (trx, now) => {
      await requireFacility(trx, facilityId);
      const space = {
        id: newId('spc'),
        facility_id: facilityId,
        label: input.label,
        floor: input.floor,
        status: 'available' as const,
        created_at: iso(now),
        updated_at: iso(now),
      };
      await trx.insertInto('spaces').values(space).execute();
      return {
        result: { id: space.id, facilityId, label: space.label, floor: space.floor, status: space.status },
        events: [
          {
            type: 'SpaceAdded',
            aggregateType: 'space',
            aggregateId: space.id,
            facilityId,
            data: { spaceId: space.id, label: space.label, floor: space.floor },
          },
        ],
      };
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw conflict(
        'space_label_taken',
        `facility ${facilityId} already has a space labelled ${input.label}`,
      );
    }
    throw error;
  }
}

export async function registerGate(
  ctx: DomainContext,
  facilityId: string,
  input: { name: string; direction: 'entry' | 'exit' },
) {
  const id = newId('gate');
  const password = newSecret();
  // On an external broker the login exists before the gate does: a gate committed without one
  // could never connect, and nobody would know its password to make one later.
  if (ctx.brokerAccounts) {
    await ctx.brokerAccounts.addGate(id, password).catch((error: Error) => {
      ctx.log.warn(`gate ${id}: the broker did not take its login`, error);
      throw new DomainError(
        'broker_unavailable',
        'the MQTT broker did not take the gate’s login; try again',
        503,
      );
    });
  }
  try {
    return await commit(ctx, async (trx, now) => {
      await requireFacility(trx, facilityId);
      const gate = {
        id,
        facility_id: facilityId,
        name: input.name,
        direction: input.direction,
        secret_hash: hashSecret(password),
        created_at: iso(now),
      };
      await trx.insertInto('gates').values(gate).execute();
      return {
        // The password is shown once, here; only its hash is kept.
        result: {
          id: gate.id,
          facilityId,
          name: gate.name,
          direction: gate.direction,
          mqtt: { username: gate.id, password },
        },
        events: [
          {
            type: 'GateRegistered',
            aggregateType: 'gate',
            aggregateId: gate.id,
            facilityId,
            data: { gateId: gate.id, name: gate.name, direction: gate.direction },
          },
        ],
      };
    });
  } catch (error) {
    await ctx.brokerAccounts
      ?.removeGate(id)
      .catch((e: Error) => ctx.log.warn(`gate ${id}: its unused broker login was not removed`, e));
    throw error;
  }
}

/**
 * A new MQTT password for a gate, shown once (a leaked one is the usual reason). The database first,
 * then the broker: if the broker does not take it, its old password still works there and the call
 * can simply be repeated. The gate's session is ended at once, on either broker: it logs in again
 * with the new password once it is given it.
 */
export async function rotateGatePassword(ctx: DomainContext, gateId: string) {
  const password = newSecret();
  const gate = await commit(ctx, async (trx) => {
    const found = await trx
      .selectFrom('gates')
      .select(['id', 'facility_id'])
      .where('id', '=', gateId)
      .executeTakeFirst();
    if (!found) throw notFound('gate', gateId);
    await trx
      .updateTable('gates')
      .set({ secret_hash: hashSecret(password) })
      .where('id', '=', gateId)
      .execute();
    return {
      result: found,
      events: [
        {
          type: 'GatePasswordRotated',
          aggregateType: 'gate',
          aggregateId: gateId,
          facilityId: found.facility_id,
          data: { gateId },
        },
      ],
    };
  });
  if (ctx.brokerAccounts) {
    await ctx.brokerAccounts.setGatePassword(gateId, password).catch((error: Error) => {
      ctx.log.warn(`gate ${gateId}: the broker did not take its new password`, error);
      throw new DomainError(
        'broker_unavailable',
        'the MQTT broker did not take the new password; try again',
        503,
      );
    });
  }
  return { id: gate.id, mqtt: { username: gate.id, password } };
}

export async function findGate(db: Kysely<Database>, gateId: string): Promise<Gate | undefined> {
  return db.selectFrom('gates').selectAll().where('id', '=', gateId).executeTakeFirst();
}

/**
 * Takes a gate out of service for good: it is never let in again and its commands and requests go
 * nowhere. The broker's login goes at once (Mosquitto: disabled and deleted; the embedded broker
 * checks the database at every CONNECT, and the session in hand is ended).
 */
export async function deactivateGate(ctx: DomainContext, gateId: string) {
  const gate = await commit(ctx, async (trx, now) => {
    const found = await trx.selectFrom('gates').selectAll().where('id', '=', gateId).executeTakeFirst();
    if (!found) throw notFound('gate', gateId);
    if (found.deactivated_at !== null) return { result: found, events: [] };
    await trx
      .updateTable('gates')
      .set({ deactivated_at: iso(now) })
      .where('id', '=', gateId)
      .execute();
    return {
      result: { ...found, deactivated_at: iso(now) },
      events: [
        {
          type: 'GateDeactivated',
          aggregateType: 'gate',
          aggregateId: gateId,
          facilityId: found.facility_id,
          data: { gateId },
        },
      ],
    };
  });
  // Repeating the call repeats this step, for a broker that did not take it the first time.
  await ctx.brokerAccounts?.removeGate(gateId).catch((error: Error) => {
    ctx.log.warn(`gate ${gateId}: the broker did not revoke its login`, error);
    throw new DomainError(
      'broker_unavailable',
      'the MQTT broker did not revoke the gate’s login; try again',
      503,
    );
  });
  return presentGate(gate);
}

export function presentGate(gate: Gate) {
  return {
    id: gate.id,
    facilityId: gate.facility_id,
    name: gate.name,
    direction: gate.direction,
    deactivatedAt: gate.deactivated_at,
  };
}

/** Takes an available space out of use for good: it can no longer be reserved and leaves the schedule. */
export async function retireSpace(ctx: DomainContext, spaceId: string) {
  return commit(ctx, async (trx, now) => {
    const space = await trx.selectFrom('spaces').selectAll().where('id', '=', spaceId).executeTakeFirst();
    if (!space) throw notFound('space', spaceId);
    const present = (s: typeof space) => ({
      id: s.id,
      facilityId: s.facility_id,
      label: s.label,
      floor: s.floor,
      status: s.status,
      retiredAt: s.retired_at,
    });
    if (space.status === 'retired') return { result: present(space), events: [] };
    const retired = await trx
      .updateTable('spaces')
      .set({ status: 'retired', retired_at: iso(now), updated_at: iso(now) })
      .where('id', '=', spaceId)
      .where('status', '=', 'available')
      .executeTakeFirst();
    if (retired.numUpdatedRows === 0n) {
      throw conflict(
        'space_in_use',
        `space ${space.label} is ${space.status}: cancel or end what holds it first`,
      );
    }
    return {
      result: present({ ...space, status: 'retired', retired_at: iso(now) }),
      events: [
        {
          type: 'SpaceRetired',
          aggregateType: 'space',
          aggregateId: spaceId,
          facilityId: space.facility_id,
          data: { spaceId, label: space.label },
        },
      ],
    };
  });
}

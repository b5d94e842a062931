/**
 * Named operator accounts. Each has a role (viewer < operator < admin) and one secret, its token:
 * the Bearer token over HTTP and the password of its MQTT login, whose username is its name.
 *
 * The first admin, named `operator`, is made at the first start. Its token is the configured one
 * (PARKING_OPERATOR_TOKEN, or the one the first start generated and saved), so it is changed there
 * and not through the API, and it cannot be disabled: it is how access is got back.
 *
 * On Mosquitto each account gets a login and a role of its own (broker-accounts.ts); the embedded
 * broker asks the database at every CONNECT. Either way a rotated or disabled account's sessions end
 * at once.
 */
import { type DomainEventType, newId, type OperatorRole } from '@parkinglot/shared';
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../db/errors.js';
import type { Database, OperatorAccountRow } from '../db/schema.js';
import { BrokerLoginTaken } from '../mqtt/broker-accounts.js';
import { hashSecret, newSecret, sameSecret, secretMatches } from '../util/secrets.js';
import { iso } from '../util/time.js';
import type { DomainContext } from './context.js';
import { conflict, DomainError, forbidden, notFound } from './errors.js';
import type { NewDomainEvent } from './event-log.js';
import { commit } from './unit-of-work.js';

export const FIRST_ADMIN_NAME = 'operator';

const RANK: Record<OperatorRole, number> = { viewer: 0, operator: 1, admin: 2 };

/** Who is acting, as the domain sees a signed-in operator. */
export interface StaffAccount {
  id: string;
  name: string;
  role: OperatorRole;
}

export function hasRole(account: StaffAccount, needed: OperatorRole): boolean {
  return RANK[account.role] >= RANK[needed];
}

export function requireRole(account: StaffAccount, needed: OperatorRole): void {
  if (!hasRole(account, needed)) {
    throw forbidden(`this needs the ${needed} role; ${account.name} is ${withArticle(account.role)}`);
  }
}

const withArticle = (role: OperatorRole) =>
  role === 'admin' || role === 'operator' ? `an ${role}` : `a ${role}`;

export interface AccountView {
  id: string;
  name: string;
  role: OperatorRole;
  createdAt: string;
  rotatedAt: string | null;
  disabled: boolean;
  disabledAt: string | null;
  /** True for the first admin, whose token is the configured one. */
  configured: boolean;
  mqtt: { username: string };
}

export function viewAccount(row: OperatorAccountRow): AccountView {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    createdAt: row.created_at,
    rotatedAt: row.rotated_at,
    disabled: row.disabled_at !== null,
    disabledAt: row.disabled_at,
    configured: row.token_hash === null,
    mqtt: { username: row.name },
  };
}

const staff = (row: OperatorAccountRow): StaffAccount => ({ id: row.id, name: row.name, role: row.role });

/** The first admin's account, made at the first start; every start after reads it. */
export async function ensureFirstAdmin(ctx: DomainContext): Promise<StaffAccount> {
  const existing = await findAccountByName(ctx.db, FIRST_ADMIN_NAME);
  if (existing) return staff(existing);
  try {
    await commit(ctx, async (trx, now) => {
      const row = {
        id: newId('opr'),
        name: FIRST_ADMIN_NAME,
        role: 'admin' as const,
        token_hash: null,
        created_at: iso(now),
        rotated_at: null,
        disabled_at: null,
      };
      await trx.insertInto('operator_accounts').values(row).execute();
      return { result: row, events: [createdEvent(row)] };
    });
  } catch (error) {
    // Another instance starting at the same moment made it.
    if (!isUniqueViolation(error)) throw error;
  }
  const made = await findAccountByName(ctx.db, FIRST_ADMIN_NAME);
  if (!made) throw new Error('the first admin account could not be made');
  return staff(made);
}

const createdEvent = (row: OperatorAccountRow): NewDomainEvent => ({
  type: 'OperatorAccountCreated',
  aggregateType: 'operator' as const,
  aggregateId: row.id,
  facilityId: null,
  data: { operatorId: row.id, name: row.name, role: row.role },
});

export function findAccountByName(db: Kysely<Database>, name: string) {
  return db.selectFrom('operator_accounts').selectAll().where('name', '=', name).executeTakeFirst();
}

async function requireAccount(db: Kysely<Database>, id: string): Promise<OperatorAccountRow> {
  const row = await db.selectFrom('operator_accounts').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('operator', id);
  return row;
}

export async function getAccount(ctx: DomainContext, id: string): Promise<AccountView> {
  return viewAccount(await requireAccount(ctx.db, id));
}

export async function listAccounts(ctx: DomainContext): Promise<AccountView[]> {
  const rows = await ctx.db.selectFrom('operator_accounts').selectAll().orderBy('name').execute();
  return rows.map(viewAccount);
}

/** The active account whose token this is; the first admin's is compared with the configured token. */
export async function accountByToken(
  db: Kysely<Database>,
  token: string,
  configured: { token: string; account: StaffAccount },
): Promise<StaffAccount | null> {
  if (sameSecret(token, configured.token)) return configured.account;
  const row = await db
    .selectFrom('operator_accounts')
    .selectAll()
    .where('token_hash', '=', hashSecret(token))
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  return row ? staff(row) : null;
}

/** The embedded broker's login check for an operator account: username = name, password = token. */
export async function verifyAccountLogin(
  db: Kysely<Database>,
  name: string,
  password: string,
  configuredToken: string,
): Promise<StaffAccount | null> {
  const row = await findAccountByName(db, name);
  if (!row || row.disabled_at !== null) return null;
  const valid =
    row.token_hash === null ? sameSecret(password, configuredToken) : secretMatches(password, row.token_hash);
  return valid ? staff(row) : null;
}

function brokerFailure(ctx: DomainContext, name: string, what: string) {
  return (error: Error) => {
    ctx.log.warn(`operator ${name}: the broker did not take ${what}`, error);
    throw new DomainError('broker_unavailable', `the MQTT broker did not take ${what}; try again`, 503);
  };
}

/** A new account; its token is shown once, here. */
export async function createAccount(ctx: DomainContext, input: { name: string; role: OperatorRole }) {
  const token = newSecret();
  if (await findAccountByName(ctx.db, input.name)) {
    throw conflict('name_taken', `there is already an account named ${input.name}`);
  }
  // As with gates: the broker's login first, so that a committed account can always sign in. A
  // login of that name already on the broker is not ours to take over (its rights are not this
  // account's), so it is a conflict, and nothing of it is removed.
  await ctx.brokerAccounts?.addOperator(input.name, token, input.role).catch((error: Error) => {
    if (error instanceof BrokerLoginTaken) {
      throw conflict(
        'name_taken',
        `the MQTT broker already has a login named ${input.name} that is not this cloud's: pick another name, or remove that login`,
      );
    }
    return brokerFailure(ctx, input.name, 'the account’s login')(error);
  });
  try {
    const row = await commit(ctx, async (trx, now) => {
      const created = {
        id: newId('opr'),
        name: input.name,
        role: input.role,
        token_hash: hashSecret(token),
        created_at: iso(now),
        rotated_at: null,
        disabled_at: null,
      };
      await trx.insertInto('operator_accounts').values(created).execute();
      return { result: created, events: [createdEvent(created)] };
    });
    return { ...viewAccount(row), token, mqtt: { username: row.name, password: token } };
  } catch (error) {
    await ctx.brokerAccounts
      ?.removeOperator(input.name)
      .catch((e: Error) =>
        ctx.log.warn(`operator ${input.name}: its unused broker login was not removed`, e),
      );
    if (isUniqueViolation(error))
      throw conflict('name_taken', `there is already an account named ${input.name}`);
    throw error;
  }
}

function refuseConfigured(row: OperatorAccountRow, what: string): void {
  if (row.token_hash === null) {
    throw conflict(
      'configured_account',
      `the first admin's token is the configured one (PARKING_OPERATOR_TOKEN): it cannot be ${what} here`,
    );
  }
}

/**
 * What may change of an account, checked before the broker is touched (and again in the commit).
 * The broker goes first in a rotation and a disabling, as in a creation: if the database then
 * fails, the old MQTT password no longer works, or the login is already disabled: it fails closed,
 * and the call can be repeated.
 */
async function changeable(ctx: DomainContext, id: string, what: string): Promise<OperatorAccountRow> {
  const found = await requireAccount(ctx.db, id);
  refuseConfigured(found, what);
  return found;
}

/** A new token for the account (and its MQTT password), shown once; its sessions end at once. */
export async function rotateAccountToken(ctx: DomainContext, id: string) {
  const token = newSecret();
  const before = await changeable(ctx, id, 'rotated');
  if (before.disabled_at !== null) throw conflict('account_disabled', `${before.name} is disabled`);
  await ctx.brokerAccounts
    ?.setOperatorPassword(before.name, token)
    .catch(brokerFailure(ctx, before.name, 'the new password'));
  const row = await commit(ctx, async (trx, now) => {
    const found = await requireAccount(trx, id);
    refuseConfigured(found, 'rotated');
    if (found.disabled_at !== null) throw conflict('account_disabled', `${found.name} is disabled`);
    await trx
      .updateTable('operator_accounts')
      .set({ token_hash: hashSecret(token), rotated_at: iso(now) })
      .where('id', '=', id)
      .execute();
    return {
      result: { ...found, rotated_at: iso(now) },
      events: [operatorEvent('OperatorTokenRotated', found)],
    };
  });
  return { ...viewAccount(row), token, mqtt: { username: row.name, password: token } };
}

/** Disables the account for good: its token stops working and its MQTT sessions end at once. */
export async function disableAccount(ctx: DomainContext, id: string): Promise<AccountView> {
  const before = await changeable(ctx, id, 'disabled');
  await ctx.brokerAccounts
    ?.disableOperator(before.name)
    .catch(brokerFailure(ctx, before.name, 'the disabling'));
  const row = await commit(ctx, async (trx, now) => {
    const found = await requireAccount(trx, id);
    refuseConfigured(found, 'disabled');
    if (found.disabled_at !== null) return { result: found, events: [] };
    await trx
      .updateTable('operator_accounts')
      .set({ disabled_at: iso(now) })
      .where('id', '=', id)
      .execute();
    return {
      result: { ...found, disabled_at: iso(now) },
      events: [operatorEvent('OperatorAccountDisabled', found)],
    };
  });
  return viewAccount(row);
}

const operatorEvent = (type: DomainEventType, row: OperatorAccountRow): NewDomainEvent => ({
  type,
  aggregateType: 'operator' as const,
  aggregateId: row.id,
  facilityId: null,
  data: { operatorId: row.id, name: row.name },
});

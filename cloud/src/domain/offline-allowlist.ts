/**
 * The opt-in offline allowlist (docs/protocol.md, "Offline allowlist"). Off unless an operator
 * turns it on for a facility. Then each of its entry gates is given, signed and expiring, the
 * credentials that hold a reservation there within the next `windowMinutes`, and those marked
 * "always admit" (staff, emergency services). The gate uses it only while it cannot reach the
 * cloud, never against an answer the cloud gave.
 *
 * One Ed25519 key signs every list, kept in the database so that every instance signs alike. Gates
 * are configured with its public key (GET /api/signing-key) and trust nothing else.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { AllowlistBody, AllowlistEntry, Credential, SignedAllowlist } from '@parkinglot/shared';
import { MAX_ALLOWLIST_ENTRIES } from '@parkinglot/shared';
import type { Kysely } from 'kysely';
import type { Database, Gate } from '../db/schema.js';
import { iso } from '../util/time.js';
import type { DomainContext } from './context.js';
import { invalid } from './errors.js';
import { requireFacility } from './facilities.js';
import { commit } from './unit-of-work.js';

export interface AllowlistSetting {
  enabled: boolean;
  windowMinutes: number;
  alwaysAdmit: (Credential & { note?: string })[];
}

export const DEFAULT_SETTING: AllowlistSetting = { enabled: false, windowMinutes: 30, alwaysAdmit: [] };

export interface SigningKey {
  id: string;
  publicKey: string;
  sign(data: Buffer): Buffer;
}

/** The signing key, made once for the database (by whichever instance asks first). */
export async function signingKey(db: Kysely<Database>, now: number): Promise<SigningKey> {
  let row = await db
    .selectFrom('signing_keys')
    .selectAll()
    .orderBy('created_at')
    .orderBy('id')
    .executeTakeFirst();
  if (!row) {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    await db
      .insertInto('signing_keys')
      .values({
        id: `key_${randomBytes(8).toString('hex')}`,
        public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        created_at: iso(now),
      })
      .execute();
    // Two instances starting at once: the first key made is the one.
    row = await db
      .selectFrom('signing_keys')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .executeTakeFirstOrThrow();
  }
  const privateKey = createPrivateKey(row.private_key);
  return { id: row.id, publicKey: row.public_key, sign: (data) => sign(null, data, privateKey) };
}

export async function getSetting(db: Kysely<Database>, facilityId: string): Promise<AllowlistSetting> {
  return (await findSetting(db, facilityId)) ?? DEFAULT_SETTING;
}

/** The facility's setting, or null when it was never configured (it never had a list). */
export async function findSetting(
  db: Kysely<Database>,
  facilityId: string,
): Promise<AllowlistSetting | null> {
  const row = await db
    .selectFrom('offline_allowlists')
    .selectAll()
    .where('facility_id', '=', facilityId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    enabled: row.enabled === 1,
    windowMinutes: row.window_minutes,
    alwaysAdmit: JSON.parse(row.always_admit) as AllowlistSetting['alwaysAdmit'],
  };
}

export async function configureAllowlist(ctx: DomainContext, facilityId: string, setting: AllowlistSetting) {
  if (setting.alwaysAdmit.length > 500) throw invalid('validation_failed', 'alwaysAdmit: at most 500');
  return commit(ctx, async (trx, now) => {
    await requireFacility(trx, facilityId);
    const row = {
      facility_id: facilityId,
      enabled: setting.enabled ? 1 : 0,
      window_minutes: setting.windowMinutes,
      always_admit: JSON.stringify(setting.alwaysAdmit),
      updated_at: iso(now),
    };
    await trx
      .insertInto('offline_allowlists')
      .values(row)
      .onConflict((oc) => oc.column('facility_id').doUpdateSet(row))
      .execute();
    return {
      result: { facilityId, ...setting },
      events: [
        {
          type: 'OfflineAllowlistConfigured',
          aggregateType: 'facility',
          aggregateId: facilityId,
          facilityId,
          data: {
            enabled: setting.enabled,
            windowMinutes: setting.windowMinutes,
            alwaysAdmit: setting.alwaysAdmit.length,
          },
        },
      ],
    };
  });
}

/**
 * An entry gate's list now: each reservation of its facility still held (plate and the member's
 * tags), until the earlier of its hold's end and the window's, then the always-admit credentials.
 * The list expires with the window.
 */
export async function buildAllowlist(
  db: Kysely<Database>,
  gate: Gate,
  setting: AllowlistSetting,
  key: SigningKey,
  now: number,
): Promise<SignedAllowlist> {
  const expiresAt = iso(now + setting.windowMinutes * 60_000);
  const held = await db
    .selectFrom('reservations')
    .select(['id', 'plate', 'member_id', 'hold_until'])
    .where('facility_id', '=', gate.facility_id)
    .where('status', '=', 'reserved')
    .where('hold_until', '>', iso(now))
    .orderBy('created_at')
    .limit(MAX_ALLOWLIST_ENTRIES)
    .execute();
  const tags = held.length
    ? await db
        .selectFrom('member_credentials')
        .select(['member_id', 'value'])
        .where('kind', '=', 'rfid')
        .where(
          'member_id',
          'in',
          held.map((r) => r.member_id),
        )
        .execute()
    : [];
  const entries: AllowlistEntry[] = [];
  for (const r of held) {
    // ISO times in UTC order as text: the earlier of the hold's end and the list's.
    const until = [r.hold_until, expiresAt].sort()[0]!;
    entries.push({ kind: 'plate', value: r.plate, reservationId: r.id, until });
    for (const t of tags.filter((x) => x.member_id === r.member_id)) {
      entries.push({ kind: 'rfid', value: t.value, reservationId: r.id, until });
    }
  }
  for (const c of setting.alwaysAdmit) entries.push({ kind: c.kind, value: c.value, until: expiresAt });
  const body: AllowlistBody = {
    v: 1,
    gateId: gate.id,
    facilityId: gate.facility_id,
    issuedAt: iso(now),
    expiresAt,
    entries: entries.slice(0, MAX_ALLOWLIST_ENTRIES),
  };
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  return { list: bytes.toString('base64url'), signature: key.sign(bytes).toString('base64url') };
}

/**
 * The offline allowlist on the gate (opt-in: `allowlist.publicKey` in the gate's configuration,
 * and the facility's setting in the cloud). The cloud keeps a signed, expiring list on the gate's
 * retained `allowlist` topic; the gate keeps the last good one in a sqlite file of its own.
 *
 * It is used only when the cloud cannot be reached (the circuit is open, or the link is down),
 * never against an answer the cloud gave: a deny stays a deny, and so does a timeout. Before each
 * use the signature (with the configured key, and no other), the gate id and the expiry are checked
 * again. A credential admitted offline is refused a second offline entry until the link returns
 * (local anti-passback).
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { Logger } from '@parkinglot/platform/log';
import { Sqlite3Dialect } from '@parkinglot/platform/sqlite';
import type { Clock } from '@parkinglot/platform/time';
import {
  type AllowlistBody,
  type AllowlistEntry,
  allowlistBodySchema,
  type Credential,
  MAX_ALLOWLIST_BYTES,
  parseJsonPayload,
  signedAllowlistSchema,
} from '@parkinglot/shared';
import { Kysely } from 'kysely';
import type { EntryAuthorizer, EntryDecision } from '../gate/types.js';

interface AllowlistDb {
  allowlist: { id: number; list: string; signature: string; received_at: string };
  offline_admitted: { kind: string; value: string; at: string };
}

/** How far behind a list's issue time the gate's clock may be and still use it. */
const MAX_CLOCK_BEHIND_MS = 5 * 60_000;

/** Why a reason from the authorizer means the cloud could not be asked at all. */
const UNREACHABLE = new Set(['cloud_unreachable', 'cloud_disconnected']);

export class OfflineAllowlist {
  private readonly key: KeyObject;
  private readonly db: Kysely<AllowlistDb>;
  private current: { list: string; signature: string } | null = null;
  private readonly admitted = new Set<string>();
  readonly stats = { received: 0, refused: 0, offlineAllows: 0 };

  private constructor(
    private readonly o: { gateId: string; publicKey: string; filename: string; clock: Clock; log: Logger },
  ) {
    this.key = createPublicKey(o.publicKey);
    if (this.key.asymmetricKeyType !== 'ed25519')
      throw new Error('allowlist.publicKey: expected an Ed25519 public key');
    this.db = new Kysely<AllowlistDb>({
      dialect: new Sqlite3Dialect({ filename: o.filename, synchronous: 'FULL' }),
    });
  }

  static async open(o: { gateId: string; publicKey: string; filename: string; clock: Clock; log: Logger }) {
    const list = new OfflineAllowlist(o);
    await list.db.schema
      .createTable('allowlist')
      .ifNotExists()
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('list', 'text', (c) => c.notNull())
      .addColumn('signature', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .execute();
    await list.db.schema
      .createTable('offline_admitted')
      .ifNotExists()
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('offline_admitted_pk', ['kind', 'value'])
      .execute();
    const saved = await list.db.selectFrom('allowlist').selectAll().executeTakeFirst();
    if (saved && list.verified(saved)) list.current = { list: saved.list, signature: saved.signature };
    for (const a of await list.db.selectFrom('offline_admitted').selectAll().execute()) {
      list.admitted.add(`${a.kind}:${a.value}`);
    }
    return list;
  }

  /** The signed list's body, if the signature is the configured key's and the list is this gate's. */
  private verified(signed: { list: string; signature: string }): AllowlistBody | null {
    const bytes = Buffer.from(signed.list, 'base64url');
    const signature = Buffer.from(signed.signature, 'base64url');
    let ok = false;
    try {
      ok = verify(null, bytes, this.key, signature);
    } catch {
      ok = false;
    }
    if (!ok) return null;
    const json = parseJsonPayload(bytes, MAX_ALLOWLIST_BYTES);
    const body = json.ok ? allowlistBodySchema.safeParse(json.value) : null;
    return body?.success && body.data.gateId === this.o.gateId ? body.data : null;
  }

  /** A message on the gate's `allowlist` topic: kept if it verifies, else logged and refused. */
  async receive(payload: Buffer): Promise<void> {
    if (payload.length === 0) {
      // The facility turned it off: nothing is kept to be used.
      this.current = null;
      await this.db.deleteFrom('allowlist').execute();
      return;
    }
    const json = parseJsonPayload(payload, MAX_ALLOWLIST_BYTES + 1024);
    const signed = json.ok ? signedAllowlistSchema.safeParse(json.value) : null;
    if (!signed?.success || !this.verified(signed.data)) {
      this.stats.refused += 1;
      this.o.log.warn('refused an allowlist that does not verify (wrong key, tampered, or not this gate’s)');
      return;
    }
    // An older list than the one held (two renewals crossing, a leader handing over) is not a downgrade.
    const held = this.current ? this.verified(this.current) : null;
    const incoming = this.verified(signed.data)!;
    if (held && incoming.issuedAt < held.issuedAt) {
      this.stats.refused += 1;
      this.o.log.warn(
        `refused an allowlist issued ${incoming.issuedAt}, older than the one held (${held.issuedAt})`,
      );
      return;
    }
    this.stats.received += 1;
    this.current = signed.data;
    const row = { id: 1, ...signed.data, received_at: new Date(this.o.clock.now()).toISOString() };
    await this.db
      .insertInto('allowlist')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet(row))
      .execute();
  }

  /**
   * The entry of a good list that names `credential` now, if any. The list is verified again, and
   * used only between its issue (give or take the clock skew a gate may have) and its expiry: a gate
   * whose clock fell behind (a board without a battery clock, rebooted offline) does not bring an old
   * list back to life.
   */
  private entryFor(credential: Credential): AllowlistEntry | null {
    const body = this.current ? this.verified(this.current) : null;
    const nowMs = this.o.clock.now();
    const now = new Date(nowMs).toISOString();
    if (!body || body.expiresAt <= now) return null;
    if (nowMs < Date.parse(body.issuedAt) - MAX_CLOCK_BEHIND_MS) return null;
    return (
      body.entries.find((e) => e.kind === credential.kind && e.value === credential.value && e.until > now) ??
      null
    );
  }

  /** Whether a good list names `credential` now (what `admit` would use), without admitting it. */
  listed(credential: Credential): boolean {
    return this.entryFor(credential) !== null;
  }

  /**
   * The entry that admits `credential` offline now, if any. Then neither it nor the reservation it
   * holds is admitted offline again (a plate and its member's tag are one reservation).
   */
  async admit(credential: Credential): Promise<AllowlistEntry | null> {
    const entry = this.entryFor(credential);
    if (!entry) return null;
    const keys = [
      { kind: credential.kind as string, value: credential.value },
      ...(entry.reservationId ? [{ kind: 'reservation', value: entry.reservationId }] : []),
    ];
    if (keys.some((k) => this.admitted.has(`${k.kind}:${k.value}`))) return null;
    const now = new Date(this.o.clock.now()).toISOString();
    for (const k of keys) this.admitted.add(`${k.kind}:${k.value}`);
    await this.db
      .insertInto('offline_admitted')
      .values(keys.map((k) => ({ ...k, at: now })))
      .onConflict((oc) => oc.columns(['kind', 'value']).doNothing())
      .execute();
    this.stats.offlineAllows += 1;
    return entry;
  }

  /**
   * The cloud has everything the gate did offline (the link is up and the outbox empty): it decides
   * again, and it keeps one car inside per credential from here on.
   */
  async linkReturned(): Promise<void> {
    if (this.admitted.size === 0) return;
    this.admitted.clear();
    await this.db.deleteFrom('offline_admitted').execute();
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

/**
 * The cloud's authorizer, with the allowlist behind it for when the cloud could not be asked at all.
 * Any answer the cloud gave, a timeout included, stands.
 */
export function withAllowlist(
  authorizer: EntryAuthorizer,
  allowlist: OfflineAllowlist,
  log: Logger,
): EntryAuthorizer {
  return {
    async authorize(credential: Credential, options?: { early?: boolean }): Promise<EntryDecision> {
      const decision = await authorizer.authorize(credential, options);
      // An early ask is before the car is confirmed: the list is for a car at the barrier only.
      if (options?.early || decision.allow || !UNREACHABLE.has(decision.reason)) return decision;
      const entry = await allowlist.admit(credential).catch((error: unknown) => {
        log.error('the offline allowlist could not be read; deny', error);
        return null;
      });
      if (!entry) return decision;
      log.warn(
        `${credential.kind} ${credential.value} admitted offline (${decision.reason}) by the allowlist`,
      );
      return {
        allow: true,
        requestId: decision.requestId,
        ...(entry.reservationId ? { reservationId: entry.reservationId } : {}),
        offline: true,
      };
    },
  };
}

/** The offline allowlist on the gate: what it trusts, when it is used, and what it refuses. */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quietLogger } from '@parkinglot/platform/log';
import type { AllowlistBody, Credential } from '@parkinglot/shared';
import { describe, expect, it } from 'vitest';
import type { EntryAuthorizer, EntryDecision } from '../gate/types.js';
import { OfflineAllowlist, withAllowlist } from './allowlist.js';

const NOW = Date.UTC(2026, 11, 1, 8);
const clock = { now: () => NOW } as never;
const pair = () => generateKeyPairSync('ed25519');
const pem = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }).toString();
const at = (ms: number) => new Date(NOW + ms).toISOString();

function signed(body: Partial<AllowlistBody>, key: KeyObject, tamper?: (bytes: Buffer) => Buffer) {
  const full: AllowlistBody = {
    v: 1,
    gateId: 'gate_a',
    facilityId: 'fac_1',
    issuedAt: at(0),
    expiresAt: at(30 * 60_000),
    entries: [
      { kind: 'plate', value: '12가3456', reservationId: 'res_1', until: at(10 * 60_000) },
      { kind: 'rfid', value: '0A1B2C3D4E', until: at(30 * 60_000) },
    ],
    ...body,
  };
  const bytes = Buffer.from(JSON.stringify(full));
  const signature = sign(null, bytes, key).toString('base64url');
  return Buffer.from(
    JSON.stringify({ list: (tamper ? tamper(bytes) : bytes).toString('base64url'), signature }),
  );
}

const plate: Credential = { kind: 'plate', value: '12가3456' };

async function open(publicKey: string, dir = mkdtempSync(join(tmpdir(), 'parkinglot-allowlist-'))) {
  const list = await OfflineAllowlist.open({
    gateId: 'gate_a',
    publicKey,
    filename: join(dir, 'allowlist.sqlite'),
    clock,
    log: quietLogger(),
  });
  return { list, dir };
}

describe('the offline allowlist', () => {
  it('admits a listed credential once, until the link returns, and keeps the list across a restart', async () => {
    const cloud = pair();
    const { list, dir } = await open(pem(cloud.publicKey));
    await list.receive(signed({}, cloud.privateKey));
    expect(await list.admit(plate)).toMatchObject({ reservationId: 'res_1' });
    // Local anti-passback: not a second time while offline.
    expect(await list.admit(plate)).toBeNull();
    await list.close();
    const again = await open(pem(cloud.publicKey), dir);
    expect(await again.list.admit(plate)).toBeNull();
    await again.list.linkReturned();
    expect(await again.list.admit(plate)).toMatchObject({ reservationId: 'res_1' });
    expect(await again.list.admit({ kind: 'rfid', value: '0A1B2C3D4E' })).toMatchObject({ kind: 'rfid' });
    expect(await again.list.admit({ kind: 'plate', value: '99하9999' })).toBeNull();
    await again.list.close();
  });

  it('ignores a list that is tampered with, signed by another key, expired, or another gate’s', async () => {
    const cloud = pair();
    const cases = [
      signed({}, cloud.privateKey, (b) => Buffer.from(b.toString().replace('12가3456', '34나5678'))),
      signed({}, pair().privateKey),
      signed({ gateId: 'gate_b' }, cloud.privateKey),
      Buffer.from('not json'),
      Buffer.from(JSON.stringify({ list: 'x', signature: 'y' })),
    ];
    for (const payload of cases) {
      const { list } = await open(pem(cloud.publicKey));
      await list.receive(payload);
      expect(await list.admit(plate)).toBeNull();
      expect(list.stats.refused).toBe(1);
      await list.close();
    }
    const { list } = await open(pem(cloud.publicKey));
    await list.receive(signed({ expiresAt: at(-1) }, cloud.privateKey));
    expect(await list.admit(plate)).toBeNull();
    await list.receive(
      signed({ entries: [{ kind: 'plate', value: '12가3456', until: at(-1) }] }, cloud.privateKey),
    );
    expect(await list.admit(plate)).toBeNull();
    // An empty retained message: the facility turned it off.
    await list.receive(signed({}, cloud.privateKey));
    await list.receive(Buffer.alloc(0));
    expect(await list.admit(plate)).toBeNull();
    await list.close();
    await expect(open(pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey))).rejects.toThrow(
      /Ed25519/,
    );
  });

  it('is used only when the cloud could not be asked: never against its deny, nor on a timeout', async () => {
    const cloud = pair();
    const { list } = await open(pem(cloud.publicKey));
    await list.receive(signed({}, cloud.privateKey));
    const answering = (decision: EntryDecision): EntryAuthorizer => ({ authorize: async () => decision });
    const deny = (reason: string): EntryDecision => ({ allow: false, requestId: 'req_1', reason });
    for (const reason of ['no_reservation', 'already_inside', 'cloud_timeout', 'bad_response']) {
      expect(
        await withAllowlist(answering(deny(reason)), list, quietLogger()).authorize(plate),
      ).toMatchObject({
        allow: false,
        reason,
      });
    }
    const offline = await withAllowlist(answering(deny('cloud_unreachable')), list, quietLogger()).authorize(
      plate,
    );
    expect(offline).toEqual({ allow: true, requestId: 'req_1', reservationId: 'res_1', offline: true });
    const second = await withAllowlist(answering(deny('cloud_disconnected')), list, quietLogger()).authorize(
      plate,
    );
    expect(second).toMatchObject({ allow: false, reason: 'cloud_disconnected' });
    await list.close();
  });

  it('keeps the newest list, refuses an old one and a clock far behind, and one reservation is one offline entry', async () => {
    const cloud = pair();
    const { list } = await open(pem(cloud.publicKey));
    await list.receive(signed({ issuedAt: at(0) }, cloud.privateKey));
    await list.receive(signed({ issuedAt: at(-60_000), entries: [] }, cloud.privateKey));
    expect(list.stats.refused).toBe(1);
    expect(list.listed(plate)).toBe(true);
    // The plate and its member's tag hold one reservation: one offline entry between them.
    await list.receive(
      signed(
        {
          issuedAt: at(1000),
          entries: [
            { kind: 'plate', value: '12가3456', reservationId: 'res_1', until: at(600_000) },
            { kind: 'rfid', value: 'AB12CD34EF', reservationId: 'res_1', until: at(600_000) },
          ],
        },
        cloud.privateKey,
      ),
    );
    expect(await list.admit(plate)).not.toBeNull();
    expect(await list.admit({ kind: 'rfid', value: 'AB12CD34EF' })).toBeNull();
    await list.close();
    // A gate whose clock is far behind the list's issue (rebooted without a clock) does not use it.
    const late = await OfflineAllowlist.open({
      gateId: 'gate_a',
      publicKey: pem(cloud.publicKey),
      filename: join(mkdtempSync(join(tmpdir(), 'parkinglot-allowlist-')), 'allowlist.sqlite'),
      clock: { now: () => NOW - 3_600_000 } as never,
      log: quietLogger(),
    });
    await late.receive(signed({}, cloud.privateKey));
    expect(late.listed(plate)).toBe(false);
    await late.close();
  });

  it('is never consulted for an early ask, before the car is at the barrier', async () => {
    const cloud = pair();
    const { list } = await open(pem(cloud.publicKey));
    await list.receive(signed({}, cloud.privateKey));
    const unreachable: EntryAuthorizer = {
      authorize: async () => ({ allow: false, requestId: 'req_1', reason: 'cloud_unreachable' }),
    };
    const wrapped = withAllowlist(unreachable, list, quietLogger());
    expect(await wrapped.authorize(plate, { early: true })).toMatchObject({ allow: false });
    expect(list.listed(plate)).toBe(true);
    expect(await wrapped.authorize(plate)).toMatchObject({ allow: true, offline: true });
    await list.close();
  });
});

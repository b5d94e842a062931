import { describe, expect, it } from 'vitest';
import {
  authRequestSchema,
  authResponseSchema,
  gateEventSchema,
  MAX_AUTH_REQUEST_BYTES,
  parseJsonPayload,
  readIdField,
} from './messages.js';

const at = '2026-11-24T08:00:00.000Z';

describe('messages', () => {
  it('accepts a well-formed auth request with a Korean plate', () => {
    const req = { requestId: 'r1', credential: { kind: 'plate', value: '12가3456' }, at };
    expect(authRequestSchema.parse(req)).toEqual(req);
  });

  it('rejects unknown credential kinds, missing fields and bad times', () => {
    expect(
      authRequestSchema.safeParse({ requestId: 'r', credential: { kind: 'iris', value: 'x' }, at }).success,
    ).toBe(false);
    expect(authRequestSchema.safeParse({ credential: { kind: 'plate', value: 'x' }, at }).success).toBe(
      false,
    );
    expect(
      authRequestSchema.safeParse({ requestId: 'r', credential: { kind: 'plate', value: 'x' }, at: 'now' })
        .success,
    ).toBe(false);
  });

  it('allows only a complete allow and a deny with a known reason', () => {
    expect(
      authResponseSchema.safeParse({ requestId: 'r', decision: 'allow', reason: 'reservation_active' })
        .success,
    ).toBe(false);
    expect(
      authResponseSchema.safeParse({
        requestId: 'r',
        decision: 'allow',
        reason: 'reservation_active',
        reservationId: 'x',
        spaceId: 'y',
      }).success,
    ).toBe(true);
    expect(
      authResponseSchema.safeParse({ requestId: 'r', decision: 'deny', reason: 'no_reservation' }).success,
    ).toBe(true);
    expect(
      authResponseSchema.safeParse({ requestId: 'r', decision: 'deny', reason: 'because' }).success,
    ).toBe(false);
    expect(
      authResponseSchema.safeParse({ requestId: 'r', decision: 'ALLOW', reason: 'reservation_active' })
        .success,
    ).toBe(false);
  });

  it('needs a credential on Started and Ended only', () => {
    expect(gateEventSchema.safeParse({ eventId: 'e', type: 'Started', at }).success).toBe(false);
    expect(gateEventSchema.safeParse({ eventId: 'e', type: 'Ended', at }).success).toBe(false);
    expect(gateEventSchema.safeParse({ eventId: 'e', type: 'ManualOpen', at }).success).toBe(true);
    expect(gateEventSchema.safeParse({ eventId: 'e', type: 'not pascal', at }).success).toBe(false);
  });

  it('bounds and parses payloads without throwing', () => {
    expect(parseJsonPayload('{"a":1}', 100)).toEqual({ ok: true, value: { a: 1 } });
    expect(parseJsonPayload('{', 100)).toEqual({ ok: false, error: 'payload is not JSON' });
    expect(parseJsonPayload(Buffer.alloc(MAX_AUTH_REQUEST_BYTES + 1, 32), MAX_AUTH_REQUEST_BYTES).ok).toBe(
      false,
    );
    expect(parseJsonPayload(Buffer.from('{"p":"12가3456"}'), 100)).toEqual({
      ok: true,
      value: { p: '12가3456' },
    });
  });
});

describe('times', () => {
  it('turns any offset into UTC so events order across gates', () => {
    const event = gateEventSchema.parse({
      eventId: 'e',
      type: 'Denied',
      at: '2026-11-24T08:00:00.000+09:00',
    });
    expect(event.at).toBe('2026-11-23T23:00:00.000Z');
    const request = authRequestSchema.parse({
      requestId: 'r',
      credential: { kind: 'plate', value: 'x' },
      at: '2026-11-24T08:00:00Z',
    });
    expect(request.at).toBe('2026-11-24T08:00:00.000Z');
  });
});

describe('readIdField', () => {
  it('reads an id from a payload that did not validate, and nothing else', () => {
    expect(readIdField({ requestId: 'r-1', junk: true }, 'requestId')).toBe('r-1');
    expect(readIdField({ requestId: '' }, 'requestId')).toBeNull();
    expect(readIdField({ requestId: 'x'.repeat(65) }, 'requestId')).toBeNull();
    expect(readIdField({ requestId: 7 }, 'requestId')).toBeNull();
    expect(readIdField(null, 'requestId')).toBeNull();
    expect(readIdField('r-1', 'requestId')).toBeNull();
  });
});

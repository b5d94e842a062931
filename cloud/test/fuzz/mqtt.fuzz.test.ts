/**
 * Property-based fuzzing of what a gate may publish, through the real broker and cloud:
 * - `auth/request`: any payload gets a deny (nobody here holds a reservation), never an allow, and
 *   is answered with its requestId when one can be read;
 * - `events`: every event with a readable id is acked or rejected by id, a rejected one leaves no
 *   row, and the batch's valid sentinel is applied;
 * - `state`, `availability`, `command/response` and raw bytes on every topic: the cloud still answers.
 */
import { topics } from '@parkinglot/shared';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { event, type TestGate } from '../../src/testing/gate.js';
import { startSite, type TestSite } from '../../src/testing/site.js';
import { FUZZ_RUNS, fuzzTimeout } from './runs.js';

describe('MQTT fuzz on a gate’s own topics', () => {
  let env: TestSite;
  let entry: TestGate;

  beforeAll(async () => {
    env = await startSite(['M-1']);
    entry = env.entry;
    await env.t.api.member('Registered', ['FZ9999'], ['0A1B2C3D4E']);
  });
  afterAll(async () => env?.close());

  const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));
  const value = fc.oneof(
    text,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.jsonValue({ maxDepth: 3 }),
  );
  const credential = fc.oneof(
    fc.record({ kind: fc.constantFrom('plate', 'rfid'), value: text }),
    fc.record({
      kind: fc.constantFrom('plate', 'rfid'),
      value: fc.constantFrom('FZ9999', '0A1B2C3D4E', 'fz 9999'),
    }),
    value,
  );
  const at = fc.oneof(
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc.constantFrom('9999-12-31T23:59:59-23:59', '1970-01-01T00:00:00Z', 'now', ''),
    text,
  );

  /** A probe the cloud must answer right after the fuzzed input: it is still serving. */
  const alive = async () => {
    const answer = await entry.authorize({ kind: 'plate', value: 'FZ9999' });
    expect(answer).toMatchObject({ decision: 'deny', reason: 'no_reservation' });
  };

  it(
    'auth/request: a deny for anything, with its requestId when readable',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.string({ minLength: 1, maxLength: 64 }),
          fc.record({ credential, at, extra: value }, { requiredKeys: [] }),
          async (requestId, rest) => {
            const answer = await entry.request({ requestId, ...rest }, requestId);
            expect(answer.decision).toBe('deny');
          },
        ),
        { numRuns: FUZZ_RUNS, endOnFailure: true },
      );
      await alive();
    },
    fuzzTimeout(),
  );

  it(
    'events: every readable eventId acked or rejected, nothing stored of a rejected one',
    async () => {
      const item = fc.record(
        {
          eventId: fc.oneof(fc.string({ minLength: 1, maxLength: 64 }), value),
          type: fc.oneof(fc.constantFrom('Started', 'Ended', 'Denied', 'EntryAborted', 'ManualOpen'), text),
          credential,
          reservationId: value,
          requestId: value,
          reason: value,
          at,
          detail: fc.oneof(fc.dictionary(text, value), value),
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(fc.array(fc.oneof(item, value), { maxLength: 8 }), async (items) => {
          const sentinel = event('Denied', { kind: 'plate', value: 'FZ0000' }, { reason: 'sentinel' });
          const ack = await entry.sendEvents({ events: [...items, sentinel] }, sentinel.eventId);
          expect(ack.eventIds).toContain(sentinel.eventId);
          const named = new Set([...ack.eventIds, ...(ack.rejected ?? []).map((r) => r.eventId)]);
          for (const candidate of items) {
            const id = (candidate as { eventId?: unknown } | null)?.eventId;
            if (typeof id === 'string' && id.length > 0 && id.length <= 64) expect(named).toContain(id);
          }
          const rejected = (ack.rejected ?? [])
            .map((r) => r.eventId)
            .filter((id) => !ack.eventIds.includes(id));
          if (rejected.length > 0) {
            const stored = await env.t.cloud.ctx.db
              .selectFrom('gate_events')
              .select('event_id')
              .where('gate_id', '=', entry.gateId)
              .where('event_id', 'in', rejected)
              .execute();
            expect(stored).toEqual([]);
          }
        }),
        { numRuns: FUZZ_RUNS, endOnFailure: true },
      );
      await alive();
    },
    fuzzTimeout(40),
  );

  it(
    'raw bytes on every topic a gate may publish: the cloud keeps serving',
    async () => {
      const own = [
        topics.authRequest,
        topics.events,
        topics.availability,
        topics.state,
        topics.commandResponse,
      ].map((f) => f(entry.gateId));
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...own),
          fc.uint8Array({ maxLength: 2048 }),
          async (topic, bytes) => {
            await entry.client.publishAsync(topic, Buffer.from(bytes), { qos: 1 });
          },
        ),
        { numRuns: FUZZ_RUNS, endOnFailure: true },
      );
      await alive();
    },
    fuzzTimeout(),
  );
});

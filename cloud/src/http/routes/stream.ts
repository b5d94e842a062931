/**
 * `GET /api/stream`: server-sent events for the live view and anyone else who wants to follow.
 *
 * - `event: domain`, `id: <seq>`: each domain event, in sequence order, from the event log. On a
 *   shared database the bus carries other instances' events too (the event feed), so the stream is
 *   the same whichever instance serves it.
 * - `event: gate`: a gate's reported status changed (its retained availability or state).
 * - `event: reset`: the client was too far behind to be caught up event by event; it reloads.
 *
 * A client that reconnects sends `Last-Event-ID` (or `?after=`) and gets everything after it first.
 * Without one it starts at the head. A comment every 15 s keeps proxies from closing an idle stream.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Clock } from '@parkinglot/platform/time';
import type { DomainEvent } from '@parkinglot/shared';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { DomainError } from '../../domain/errors.js';
import { lastSeq, readEventsAfter } from '../../domain/event-log.js';
import type { GateReportedStatus, GateStatus } from '../../gateway/gate-status.js';
import { type Env, requireStaff } from '../auth.js';
import { endpoint } from '../endpoint.js';
import type { Stopping } from '../stopping.js';
import { readQuery } from '../validate.js';
import { presentStatus } from './gate-status-view.js';

/** Streams open at once on one instance; more get a 503 (each holds a connection and a listener). */
export const MAX_STREAMS = 200;
/** A reconnect further behind than this is told to reload instead of being sent every event. */
export const MAX_REPLAY = 5_000;
/** Streams of one account at once (a page per screen is plenty); more get a 503. */
export const MAX_STREAMS_PER_ACCOUNT = 20;
/**
 * Messages waiting for a client that does not read (a write waits for it); past this the queue is
 * dropped, and the client is sent a reset once it reads again.
 */
const MAX_QUEUED = 10_000;
const PING_MS = 15_000;
const REPLAY_PAGE = 500;

const streamQuery = z.object({
  after: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .meta({ description: 'The same as a Last-Event-ID header' }),
});

type Queued =
  | { kind: 'domain'; event: DomainEvent }
  | { kind: 'gate'; gateId: string; status: GateReportedStatus };

export function streamRoutes(
  ctx: DomainContext,
  deps: {
    status: GateStatus;
    clock: Clock;
    /** Every stream ends when the instance begins to stop: its client resumes on another. */
    stopping?: Stopping;
    /** MAX_REPLAY unless given (tests). */
    maxReplay?: number;
  },
) {
  const maxReplay = deps.maxReplay ?? MAX_REPLAY;
  const r = new OpenAPIHono<Env>();
  let open = 0;
  const perAccount = new Map<string, number>();
  endpoint(
    r,
    {
      method: 'get',
      path: '/',
      tag: 'Events',
      summary: 'Live domain events and gate status (server-sent events)',
      description:
        '`event: domain` with `id: <seq>` for each domain event in order; `event: gate` when a gate’s reported status changes; `event: reset` when a reconnect is too far behind. Send `Last-Event-ID` to resume.',
      audience: 'viewer',
      query: streamQuery,
      ok: {
        status: 200,
        schema: z.string(),
        description: 'An event stream',
        contentType: 'text/event-stream',
      },
      errors: [400, 403],
    },
    async (c) => {
      const account = requireStaff(c.get('actor'), 'viewer');
      const header = c.req.header('last-event-id');
      const fromHeader = header !== undefined && /^\d{1,15}$/.test(header) ? Number(header) : undefined;
      const { after: fromQuery } = readQuery(c, streamQuery);
      const resumeFrom = fromHeader ?? fromQuery;
      if (open >= MAX_STREAMS) {
        throw new DomainError(
          'unavailable',
          `this instance serves ${MAX_STREAMS} streams already; try another or later`,
          503,
        );
      }
      const mine = perAccount.get(account.id) ?? 0;
      if (mine >= MAX_STREAMS_PER_ACCOUNT) {
        throw new DomainError(
          'unavailable',
          `${account.name} has ${MAX_STREAMS_PER_ACCOUNT} streams open here already; close one`,
          503,
        );
      }
      open += 1;
      perAccount.set(account.id, mine + 1);
      return streamSSE(c, async (stream) => {
        const queue: Queued[] = [];
        let wake: (() => void) | null = null;
        let closed = false;
        let overflowed = false;
        const push = (item: Queued) => {
          if (queue.length >= MAX_QUEUED) {
            queue.length = 0;
            overflowed = true;
          }
          queue.push(item);
          wake?.();
        };
        const end = () => {
          closed = true;
          wake?.();
          void stream.close();
        };
        // Listening first, then reading the log: nothing committed in between is missed (the seq
        // check below drops what the log read already sent).
        const offEvents = ctx.bus.on('eventsAppended', ({ events }) => {
          for (const event of events) {
            // The token this stream was opened with stops here and now, as it does everywhere else.
            const revoked = event.type === 'OperatorAccountDisabled' || event.type === 'OperatorTokenRotated';
            if (revoked && event.aggregateId === account.id) return end();
            push({ kind: 'domain', event });
          }
        });
        const offGates = deps.status.onChange((gateId, status) => push({ kind: 'gate', gateId, status }));
        const offStopping = deps.stopping?.onBegin(end);
        stream.onAbort(() => {
          closed = true;
          wake?.();
        });
        try {
          const head = await lastSeq(ctx.db);
          let sent = resumeFrom ?? head;
          // Too far behind to send event by event, or ahead of a log that was restored or reset.
          if (resumeFrom !== undefined && (head - resumeFrom > maxReplay || resumeFrom > head)) {
            await stream.writeSSE({
              event: 'reset',
              data: JSON.stringify({ lastSeq: head }),
              id: String(head),
            });
            sent = head;
          }
          while (!closed && sent < head) {
            const page = await readEventsAfter(ctx.db, sent, REPLAY_PAGE);
            if (page.length === 0) break;
            for (const event of page) {
              await stream.writeSSE({ event: 'domain', id: String(event.seq), data: JSON.stringify(event) });
              sent = event.seq;
            }
          }
          while (!closed) {
            if (overflowed) {
              overflowed = false;
              queue.length = 0;
              const now = await lastSeq(ctx.db);
              await stream.writeSSE({
                event: 'reset',
                data: JSON.stringify({ lastSeq: now }),
                id: String(now),
              });
              sent = now;
            }
            const item = queue.shift();
            if (item?.kind === 'domain') {
              if (item.event.seq <= sent) continue;
              await stream.writeSSE({
                event: 'domain',
                id: String(item.event.seq),
                data: JSON.stringify(item.event),
              });
              sent = item.event.seq;
            } else if (item?.kind === 'gate') {
              const data = { gateId: item.gateId, status: presentStatus(item.status) };
              await stream.writeSSE({ event: 'gate', data: JSON.stringify(data) });
            } else {
              // Nothing queued: wait for something, or say we are here.
              await new Promise<void>((resolve) => {
                const timer = deps.clock.setTimeout(() => resolve(), PING_MS);
                wake = () => {
                  deps.clock.clearTimeout(timer);
                  resolve();
                };
              });
              wake = null;
              if (queue.length === 0 && !closed) await stream.write(': ping\n\n');
            }
          }
        } finally {
          offEvents();
          offGates();
          offStopping?.();
          open -= 1;
          const left = (perAccount.get(account.id) ?? 1) - 1;
          if (left > 0) perAccount.set(account.id, left);
          else perAccount.delete(account.id);
        }
      });
    },
  );
  return r;
}

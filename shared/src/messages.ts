/**
 * Schemas of every MQTT payload in the contract (docs/protocol.md). MQTT 3.1.1 has no correlation
 * data, so request ids travel in the payloads.
 */
import { z } from 'zod';
import { ALLOW_REASON, DENY_REASONS } from './reasons.js';

/** Upper bounds on payload sizes; larger payloads are rejected before they are parsed. */
export const MAX_AUTH_REQUEST_BYTES = 4 * 1024;
export const MAX_EVENT_BATCH = 256;
export const MAX_EVENTS_PAYLOAD_BYTES = 256 * 1024;
export const MAX_COMMAND_BYTES = 4 * 1024;
/** A signed allowlist: some thousands of credentials at most. */
export const MAX_ALLOWLIST_BYTES = 512 * 1024;
export const MAX_ALLOWLIST_ENTRIES = 5_000;

const id = z.string().min(1).max(64);
/**
 * Any ISO-8601 time with an offset, stored and compared as UTC (`…Z`): a gate in +09:00 and one in
 * UTC must order their events correctly, and the database compares times as text.
 */
const isoTime = z.iso.datetime({ offset: true }).transform((at, ctx) => {
  const ms = Date.parse(at);
  // Past 9999 in UTC the ISO text becomes `+010000-…`, which no longer orders as text.
  if (!(ms >= 0 && ms <= LATEST_TIME_MS)) {
    ctx.addIssue({ code: 'custom', message: 'a time from 1970 to 9999 (UTC)' });
    return z.NEVER;
  }
  return new Date(ms).toISOString();
});
const LATEST_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** How far a gate's free-form `detail` may go: it is stored and logged, never interpreted. */
export const DETAIL_LIMITS = { depth: 8, nodes: 256, chars: 4096 } as const;

/**
 * Every value of parsed JSON, with its depth (the root is 1) and the key it is found under (an array
 * index as text; null for the root). Walks with a stack of its own rather than recursing, so 5,000
 * nested arrays cannot overflow the call stack; a node's children are visited only if the caller
 * goes on after it.
 */
export function* walkJson(value: unknown): Generator<{ node: unknown; depth: number; key: string | null }> {
  const stack: { node: unknown; depth: number; key: string | null }[] = [
    { node: value, depth: 1, key: null },
  ];
  while (stack.length > 0) {
    const entry = stack.pop()!;
    yield entry;
    if (entry.node !== null && typeof entry.node === 'object') {
      for (const [key, child] of Object.entries(entry.node))
        stack.push({ node: child, depth: entry.depth + 1, key });
    }
  }
}

/** Why `value` (parsed JSON) is beyond `limits`, or null; also before JSON.stringify, which recurses. */
export function exceedsJsonLimits(
  value: unknown,
  limits: { depth: number; nodes: number; chars: number },
): string | null {
  let nodes = 0;
  let chars = 0;
  for (const { node, depth, key } of walkJson(value)) {
    if (depth > limits.depth) return `nests deeper than ${limits.depth} levels`;
    if (++nodes > limits.nodes) return `has more than ${limits.nodes} values`;
    chars += (key?.length ?? 0) + (typeof node === 'string' ? node.length : 0);
    if (chars > limits.chars) return `holds more than ${limits.chars} characters`;
  }
  return null;
}

export const credentialSchema = z.object({
  kind: z.enum(['plate', 'rfid']),
  value: z.string().min(1).max(64),
});
export type Credential = z.infer<typeof credentialSchema>;

export const authRequestSchema = z.object({
  requestId: id,
  credential: credentialSchema,
  at: isoTime,
});
export type AuthRequest = z.infer<typeof authRequestSchema>;

export const authResponseSchema = z.discriminatedUnion('decision', [
  z.object({
    requestId: id,
    decision: z.literal('allow'),
    reason: z.literal(ALLOW_REASON),
    reservationId: id,
    spaceId: id,
    spaceLabel: z.string().optional(),
  }),
  z.object({
    requestId: z.string().max(64),
    decision: z.literal('deny'),
    reason: z.enum(DENY_REASONS as [string, ...string[]]),
    message: z.string().optional(),
  }),
]);
export type AuthResponse = z.infer<typeof authResponseSchema>;

/** Event types the cloud acts on; any other well-formed type is recorded as it is. */
export const GateEventType = {
  Started: 'Started',
  Ended: 'Ended',
  Denied: 'Denied',
  /** An allowed car did not pass (it backed away): the pending admission is released. */
  EntryAborted: 'EntryAborted',
  /** The barrier was opened by an operator command or a local override. */
  ManualOpen: 'ManualOpen',
} as const;

export const gateEventSchema = z
  .object({
    eventId: id,
    type: z.string().regex(/^[A-Z][A-Za-z]{1,39}$/, 'type must be a PascalCase word'),
    credential: credentialSchema.optional(),
    reservationId: id.optional(),
    requestId: id.optional(),
    reason: z.string().max(64).optional(),
    /** Started: admitted by the gate's offline allowlist while the cloud could not be reached. */
    offline: z.boolean().optional(),
    at: isoTime,
    detail: z
      .record(z.string(), z.unknown())
      .superRefine((detail, ctx) => {
        const why = exceedsJsonLimits(detail, DETAIL_LIMITS);
        if (why) ctx.addIssue({ code: 'custom', message: `detail ${why}` });
      })
      .optional(),
  })
  .superRefine((event, ctx) => {
    if ((event.type === 'Started' || event.type === 'Ended') && !event.credential) {
      ctx.addIssue({ code: 'custom', path: ['credential'], message: `${event.type} needs a credential` });
    }
  });
export type GateEvent = z.infer<typeof gateEventSchema>;

/**
 * The answer on `events/ack`. (`events` itself carries one event, or a batch `{events:[…]}` of at
 * most MAX_EVENT_BATCH drained from an outbox.)
 */
export const eventsAckSchema = z.object({
  eventIds: z.array(id),
  /** Events the cloud will never apply (they do not validate): the edge moves them aside. */
  rejected: z.array(z.object({ eventId: id, error: z.string() })).optional(),
});
export type EventsAck = z.infer<typeof eventsAckSchema>;

export const commandActionSchema = z.enum(['open', 'hold_open', 'release']);
export type CommandAction = z.infer<typeof commandActionSchema>;

export const gateCommandSchema = z.object({
  commandId: id,
  action: commandActionSchema,
  reason: z.string().max(200).default(''),
  by: z.string().min(1).max(64),
});
export type GateCommand = z.infer<typeof gateCommandSchema>;

/** What an operator publishes on its own `parking/operators/{name}/command`; `by` is the topic's. */
export const operatorCommandSchema = z.object({
  commandId: id,
  gateId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  action: commandActionSchema,
  reason: z.string().trim().min(1).max(200),
});
export type OperatorCommand = z.infer<typeof operatorCommandSchema>;

/**
 * How a command ended: the gate carried it out (ok) or refused it, was offline, did not answer in
 * time; or the cloud did not send it (forbidden: the account may not command; invalid: the payload
 * or the gate; unavailable: the cloud could not record it, and sends nothing it has not recorded).
 */
export const COMMAND_OUTCOMES = [
  'ok',
  'refused',
  'offline',
  'timeout',
  'forbidden',
  'invalid',
  'unavailable',
] as const;
export type CommandOutcome = (typeof COMMAND_OUTCOMES)[number];

/** The cloud's answer on `parking/operators/{name}/command/response`. */
export const operatorCommandResultSchema = z.object({
  commandId: id,
  gateId: z.string().optional(),
  outcome: z.enum(COMMAND_OUTCOMES),
  ok: z.boolean(),
  error: z.string().optional(),
  at: isoTime,
});
export type OperatorCommandResult = z.infer<typeof operatorCommandResultSchema>;

export const commandResponseSchema = z.object({
  commandId: id,
  ok: z.boolean(),
  error: z.string().optional(),
  at: isoTime,
});
export type CommandResponse = z.infer<typeof commandResponseSchema>;

export const availabilitySchema = z.enum(['online', 'offline']);
export type Availability = z.infer<typeof availabilitySchema>;

export const gateStateSchema = z
  .object({
    barrier: z.enum(['open', 'opening', 'closed', 'closing', 'unknown']),
    loops: z.record(z.string(), z.boolean()),
    lastRead: credentialSchema.extend({ at: isoTime }).nullable().optional(),
    outboxDepth: z.number().int().nonnegative().optional(),
    cloudLink: z.enum(['up', 'down', 'degraded']).optional(),
    alarms: z.array(z.string()).optional(),
  })
  .loose();
export type GateState = z.infer<typeof gateStateSchema>;

/**
 * An id field (requestId, eventId, commandId) of a payload that has not validated: read so that an
 * answer or a rejection can still name it. Null unless a non-empty string of at most 64 characters.
 */
export function readIdField(value: unknown, key: string): string | null {
  const field =
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return typeof field === 'string' && field.length > 0 && field.length <= 64 ? field : null;
}

/** Parses a JSON payload with a size bound; never throws. */
export function parseJsonPayload(
  payload: Uint8Array | string,
  maxBytes: number,
): { ok: true; value: unknown } | { ok: false; error: string } {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  if (size > maxBytes) return { ok: false, error: `payload of ${size} bytes exceeds ${maxBytes}` };
  try {
    const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, error: 'payload is not JSON' };
  }
}

/** The first problem of a failed zod parse, as one line: `credential.kind: Invalid option`. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/**
 * The offline allowlist an entry gate may use only while it cannot reach the cloud: the
 * credentials that hold a reservation there soon, and those an operator marked "always admit".
 * `list` is the body's JSON (base64url), `signature` its Ed25519 signature (base64url): the gate
 * verifies the bytes it got, with the public key it was configured with, before it reads them.
 */
export const signedAllowlistSchema = z.object({
  list: z.string().min(1).max(MAX_ALLOWLIST_BYTES),
  signature: z.string().min(1).max(200),
});
export type SignedAllowlist = z.infer<typeof signedAllowlistSchema>;

export const allowlistEntrySchema = z.object({
  kind: z.enum(['plate', 'rfid']),
  value: z.string().min(1).max(64),
  /** The reservation it holds; none for an "always admit" credential. */
  reservationId: id.optional(),
  /** Used only before this time (ISO). */
  until: z.string().max(40),
});
export type AllowlistEntry = z.infer<typeof allowlistEntrySchema>;

export const allowlistBodySchema = z.object({
  v: z.literal(1),
  gateId: z.string().min(1).max(64),
  facilityId: z.string().min(1).max(64),
  issuedAt: z.string().max(40),
  /** Not used at all after this time (ISO). */
  expiresAt: z.string().max(40),
  entries: z.array(allowlistEntrySchema).max(MAX_ALLOWLIST_ENTRIES),
});
export type AllowlistBody = z.infer<typeof allowlistBodySchema>;

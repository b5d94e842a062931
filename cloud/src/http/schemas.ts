/**
 * What the API answers, as zod schemas for the OpenAPI document (docs/protocol.md has the prose).
 * The request schemas live in @parkinglot/shared, where clients validate with them too.
 */
import { COMMAND_OUTCOMES, operatorCommandResultSchema, operatorRoleSchema } from '@parkinglot/shared';
import { z } from 'zod';

const time = z.string().meta({ description: 'ISO-8601, UTC', example: '2026-12-01T08:00:00.000Z' });
const id = (example: string) => z.string().meta({ example });
const spaceStatus = z.enum(['available', 'reserved', 'occupied']);

export const pageOf = <T extends z.ZodType>(item: T, name: string) =>
  z
    .object({
      items: z.array(item),
      nextCursor: z
        .string()
        .nullable()
        .meta({ description: 'Pass as `cursor` for the next page; null on the last' }),
    })
    .meta({ id: `${name}Page` });

export const facilitySchema = z
  .object({ id: id('fac_…'), name: z.string(), createdAt: time })
  .meta({ id: 'Facility' });

export const spaceSchema = z
  .object({
    id: id('spc_…'),
    facilityId: z.string().optional(),
    label: z.string(),
    floor: z.string(),
    status: spaceStatus,
    retiredAt: time.nullable().optional(),
  })
  .meta({ id: 'Space' });

export const gateSchema = z
  .object({
    id: id('gate_…'),
    facilityId: z.string().optional(),
    name: z.string(),
    direction: z.enum(['entry', 'exit']),
    deactivatedAt: time.nullable().optional(),
  })
  .meta({ id: 'Gate' });

export const facilityDetailSchema = facilitySchema
  .extend({ spaces: z.array(spaceSchema), gates: z.array(gateSchema) })
  .meta({ id: 'FacilityDetail' });

export const gateStatusSchema = z
  .object({
    availability: z.enum(['online', 'offline', 'unknown']),
    barrier: z.string().nullable(),
    phase: z.string().nullable(),
    loops: z.record(z.string(), z.boolean()),
    cloudLink: z.string().nullable(),
    outboxDepth: z.number().int().nullable(),
    alarms: z.array(z.string()),
    lastRead: z.object({ kind: z.string(), value: z.string(), at: z.string() }).nullable(),
    seenAt: time.nullable(),
  })
  .meta({
    id: 'GateStatus',
    description: 'What the gate last said of itself (its retained availability and state)',
  });

export const gateWithStatusSchema = gateSchema
  .extend({ status: gateStatusSchema })
  .meta({ id: 'GateWithStatus' });

export const mqttLoginSchema = z.object({ username: z.string(), password: z.string() });

export const registeredGateSchema = gateSchema
  .extend({ mqtt: mqttLoginSchema.meta({ description: 'Shown once' }) })
  .meta({ id: 'RegisteredGate' });

export const gatePasswordSchema = z
  .object({ id: z.string(), mqtt: mqttLoginSchema })
  .meta({ id: 'GatePassword' });

export const memberSummarySchema = z
  .object({
    id: id('mem_…'),
    name: z.string(),
    createdAt: time,
    plates: z.array(z.string()),
    rfidTags: z.array(z.string()),
  })
  .meta({ id: 'MemberSummary' });

export const registeredMemberSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    plates: z.array(z.string()),
    rfidTags: z.array(z.string()),
    token: z.string().meta({ description: 'Shown once' }),
  })
  .meta({ id: 'RegisteredMember' });

const sessionSchema = z.object({
  id: id('ses_…'),
  facilityId: z.string(),
  spaceId: z.string().nullable(),
  plate: z.string().nullable(),
  startedAt: time,
});

export const memberSchema = memberSummarySchema
  .extend({
    activeReservations: z.array(
      z.object({
        id: z.string(),
        spaceId: z.string(),
        facilityId: z.string(),
        plate: z.string(),
        status: z.string(),
        holdUntil: time,
      }),
    ),
    openSessions: z.array(sessionSchema),
  })
  .meta({ id: 'Member' });

export const reservationSchema = z
  .object({
    id: id('res_…'),
    status: z.enum(['reserved', 'canceled', 'in_use', 'completed', 'expired']),
    memberId: z.string(),
    spaceId: z.string(),
    facilityId: z.string(),
    plate: z.string(),
    createdAt: time,
    holdUntil: time,
  })
  .meta({ id: 'Reservation' });

export const canceledSchema = z
  .object({ id: z.string(), status: z.literal('canceled') })
  .meta({ id: 'Canceled' });

export const currentSessionSchema = z
  .object({ session: sessionSchema.nullable() })
  .meta({ id: 'CurrentSession', description: 'The car of yours inside now, if one is' });

export const scheduleSchema = z
  .object({
    facilityId: z.string(),
    spaces: z.array(
      z.object({
        id: z.string(),
        label: z.string(),
        floor: z.string(),
        status: spaceStatus,
        holdUntil: time.nullable(),
        reservedAt: time.nullable(),
        occupiedSince: time.nullable(),
        reservationId: z.string().nullable().optional(),
        memberId: z.string().nullable().optional(),
        plate: z.string().nullable().optional(),
        sessionId: z.string().nullable().optional(),
      }),
    ),
    asOf: z.object({ seq: z.number().int(), lag: z.number().int() }),
  })
  .meta({ id: 'Schedule' });

export const domainEventSchema = z
  .object({
    seq: z.number().int(),
    id: z.string(),
    type: z.string(),
    aggregateType: z.string(),
    aggregateId: z.string(),
    facilityId: z.string().nullable(),
    occurredAt: time,
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'DomainEvent' });

export const eventsSchema = z
  .object({ events: z.array(domainEventSchema), lastSeq: z.number().int() })
  .meta({ id: 'EventLogPage' });

/** What a command came to: the same answer the console gets on its MQTT response topic. */
export const commandResultSchema = operatorCommandResultSchema.meta({ id: 'CommandResult' });

export const commandRecordSchema = z
  .object({
    commandId: z.string(),
    gateId: z.string(),
    facilityId: z.string(),
    operatorId: z.string(),
    by: z.string(),
    action: z.enum(['open', 'hold_open', 'release']),
    reason: z.string(),
    via: z.enum(['mqtt', 'http', 'homeassistant']),
    issuedAt: time,
    outcome: z.enum(COMMAND_OUTCOMES).nullable(),
    error: z.string().nullable(),
    answeredAt: time.nullable(),
  })
  .meta({ id: 'CommandRecord' });

export const gateEventRecordSchema = z
  .object({
    eventId: z.string(),
    gateId: z.string(),
    facilityId: z.string(),
    type: z.string(),
    credential: z.object({ kind: z.string(), value: z.string() }).nullable(),
    reservationId: z.string().nullable(),
    occurredAt: time,
    receivedAt: time,
    outcome: z.enum(['applied', 'recorded', 'anomaly']),
    anomaly: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({
    id: 'GateEventRecord',
    description: 'An event as the gate reported it (ManualOpen and the like included)',
  });

export const accountSchema = z
  .object({
    id: id('opr_…'),
    name: z.string(),
    role: operatorRoleSchema,
    createdAt: time,
    rotatedAt: time.nullable(),
    disabled: z.boolean(),
    disabledAt: time.nullable(),
    configured: z.boolean().meta({ description: 'The first admin, whose token is the configured one' }),
    mqtt: z.object({ username: z.string() }),
  })
  .meta({ id: 'OperatorAccount' });

export const accountWithTokenSchema = accountSchema
  .extend({ token: z.string().meta({ description: 'Shown once' }), mqtt: mqttLoginSchema })
  .meta({ id: 'OperatorAccountWithToken' });

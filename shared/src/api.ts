/** HTTP request bodies (docs/protocol.md, "HTTP"). Clients and the cloud validate with the same schemas. */
import { z } from 'zod';
import { normalizePlate, normalizeRfidTag } from './plate.js';

const name = z.string().trim().min(1).max(120);

export const plateField = z.string().transform((raw, ctx) => {
  const result = normalizePlate(raw);
  if (!result.ok) {
    ctx.addIssue({ code: 'custom', message: result.error });
    return z.NEVER;
  }
  return result.value;
});

export const rfidField = z.string().transform((raw, ctx) => {
  const result = normalizeRfidTag(raw);
  if (!result.ok) {
    ctx.addIssue({ code: 'custom', message: result.error });
    return z.NEVER;
  }
  return result.value;
});

export const createFacilityBody = z.object({ name });

export const createSpaceBody = z.object({
  label: z.string().trim().min(1).max(32),
  floor: z.union([z.number().int().min(-20).max(200), z.string().trim().min(1).max(16)]).transform(String),
});

export const createGateBody = z.object({ name, direction: z.enum(['entry', 'exit']) });

export const createMemberBody = z.object({
  name,
  plates: z.array(plateField).min(1).max(10),
  rfidTags: z.array(rfidField).max(10).optional().default([]),
});

export const createReservationBody = z.object({
  spaceId: z.string().min(1).max(64),
  plate: plateField,
  /** Operators reserve on a member's behalf; a member's own token implies the member. */
  memberId: z.string().min(1).max(64).optional(),
});

/** viewer: reads and watches; operator: also acts on gates and reservations; admin: also registers and keeps accounts. */
export const operatorRoleSchema = z.enum(['viewer', 'operator', 'admin']);
export type OperatorRole = z.infer<typeof operatorRoleSchema>;

/**
 * An account's name is its MQTT username and a level of its command topic. Lower-case letters,
 * digits and dots: no '-' (a console's client id is `<name>-…`, and no name may be another's
 * prefix that way), no '_' (gate ids have one), no MQTT wildcard.
 */
export const operatorNameSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9.]{1,31}$/,
    'a name is 2 to 32 lower-case letters, digits or dots, starting with a letter',
  )
  .refine((n) => !n.startsWith('parkinglot'), 'names starting with "parkinglot" are the cloud’s own');

export const createOperatorBody = z.object({ name: operatorNameSchema, role: operatorRoleSchema });

export const gateCommandBody = z.object({
  action: z.enum(['open', 'hold_open', 'release']),
  reason: z.string().trim().min(1).max(200),
});

export const scheduleQuery = z.object({ facilityId: z.string().min(1).max(64) });

export interface ApiError {
  error: string;
  message: string;
  details?: unknown;
}

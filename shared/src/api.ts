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

export const scheduleQuery = z.object({ facilityId: z.string().min(1).max(64) });

export interface ApiError {
  error: string;
  message: string;
  details?: unknown;
}

/** Entity ids: a short prefix naming the kind, then 20 random base-32 characters (100 bits). */
import { randomBytes } from 'node:crypto';

export const IdPrefix = {
  facility: 'fac',
  space: 'spc',
  gate: 'gate',
  member: 'mem',
  reservation: 'res',
  session: 'ses',
  domainEvent: 'dev',
  gateEvent: 'evt',
  request: 'req',
  command: 'cmd',
  operator: 'opr',
} as const;

export type IdPrefix = (typeof IdPrefix)[keyof typeof IdPrefix];

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

export function newId(prefix: IdPrefix): string {
  const bytes = randomBytes(20);
  let out = `${prefix}_`;
  for (const byte of bytes) out += ALPHABET[byte & 31];
  return out;
}

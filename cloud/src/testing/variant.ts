/**
 * Which engines the shared suites run on, chosen by PARKING_TEST_VARIANT, the way kysely's own suite
 * loops over its dialects; `npm test` runs them all in turn (scripts/test.mjs).
 * - `sqlite` (the default): a sqlite file and the embedded aedes broker, one instance;
 * - `postgres`: PostgreSQL and the embedded aedes broker, one instance;
 * - `postgres-mosquitto`: PostgreSQL and a private Mosquitto with dynamic security, two instances.
 */
export const VARIANTS = ['sqlite', 'postgres', 'postgres-mosquitto'] as const;
export type VariantName = (typeof VARIANTS)[number];

export interface Variant {
  name: VariantName;
  database: 'sqlite' | 'postgres';
  broker: 'aedes' | 'mosquitto';
  instances: 1 | 2;
}

export function parseVariant(value: string | undefined): Variant {
  const name = (value || 'sqlite') as VariantName;
  if (!VARIANTS.includes(name)) {
    throw new Error(`PARKING_TEST_VARIANT=${value}: expected one of ${VARIANTS.join(', ')}`);
  }
  return {
    name,
    database: name === 'sqlite' ? 'sqlite' : 'postgres',
    broker: name === 'postgres-mosquitto' ? 'mosquitto' : 'aedes',
    instances: name === 'postgres-mosquitto' ? 2 : 1,
  };
}

export function testVariant(): Variant {
  return parseVariant(process.env.PARKING_TEST_VARIANT);
}

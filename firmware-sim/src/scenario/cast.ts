/**
 * The cars of the standard scenario and what the domain rules say must happen to each: members with
 * reservations get in (by plate or by RFID card) and out again; a walk-in, a member without a
 * reservation and a cloned plate are refused with the right reason; a tailgater is reported.
 */
export type Expectation =
  | { entry: 'admitted' }
  | { entry: 'denied'; reason: string }
  | { entry: 'tailgated' };

export interface CarPlan {
  name: string;
  /** The plate on the car (what cameras read). */
  plate: string;
  /** Presents this RFID card at the entry instead of relying on the camera. */
  tag?: string;
  /** Registered as a member with this plate (and tag); reserves a space when `reserves`. */
  member?: { reserves: boolean };
  /** Drives in right behind this car's leader, under the same raised arm. */
  tailgates?: string;
  expect: Expectation;
  /** Leaves by the exit gate at the end. */
  exits: boolean;
}

export const STANDARD_CAST: CarPlan[] = [
  {
    name: 'Kim Minji',
    plate: '12가3456',
    member: { reserves: true },
    expect: { entry: 'admitted' },
    exits: true,
  },
  {
    name: 'Lee Jun (RFID card)',
    plate: '34나5678',
    tag: '0A1B2C3D4E',
    member: { reserves: true },
    expect: { entry: 'admitted' },
    exits: true,
  },
  {
    name: 'Walk-in',
    plate: '99하9999',
    expect: { entry: 'denied', reason: 'unknown_credential' },
    exits: false,
  },
  {
    name: 'Park Seo (no reservation)',
    plate: '56다7890',
    member: { reserves: false },
    expect: { entry: 'denied', reason: 'no_reservation' },
    exits: false,
  },
  {
    name: 'Cloned plate 12가3456',
    plate: '12가3456',
    expect: { entry: 'denied', reason: 'already_inside' },
    exits: false,
  },
  {
    name: 'Choi Hana',
    plate: '78라1234',
    member: { reserves: true },
    expect: { entry: 'admitted' },
    exits: true,
  },
  {
    name: 'Tailgater',
    plate: '00무0000',
    tailgates: 'Choi Hana',
    expect: { entry: 'tailgated' },
    exits: false,
  },
];

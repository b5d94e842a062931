/** Sets up a facility for a scenario through the HTTP API, as an operator and its members would. */
import type { CarPlan } from './cast.js';
import type { CloudClient } from './cloud-client.js';

export interface SeededGate {
  id: string;
  password: string;
}

export interface SeededSite {
  facilityId: string;
  spaces: { id: string; label: string }[];
  entry: SeededGate;
  exit: SeededGate;
  /** The space each reserving car holds, by car name. */
  reservations: Map<string, { id: string; spaceId: string; label: string }>;
}

export async function seedSite(cloud: CloudClient, cast: CarPlan[], spaceCount = 4): Promise<SeededSite> {
  const labels = Array.from({ length: spaceCount }, (_, i) => `A-${String(i + 1).padStart(2, '0')}`);
  const { facility, spaces, entry, exit } = await cloud.api.seedFacility(labels);
  const site: SeededSite = {
    facilityId: facility.id,
    spaces: spaces.map((space) => ({ id: space.id, label: space.label })),
    entry: { id: entry.id, password: entry.mqtt.password },
    exit: { id: exit.id, password: exit.mqtt.password },
    reservations: new Map(),
  };
  let next = 0;
  for (const car of cast.filter((c) => c.member)) {
    const member = await cloud.api.member(car.name, [car.plate], car.tag ? [car.tag] : []);
    if (!car.member?.reserves) continue;
    const space = site.spaces[next++];
    if (!space) throw new Error(`the scenario needs more than ${spaceCount} spaces`);
    const r = await cloud.api.reserve(member.token, space.id, car.plate);
    site.reservations.set(car.name, { id: r.id, spaceId: space.id, label: space.label });
  }
  return site;
}

export async function schedule(cloud: CloudClient, facilityId: string) {
  const body = await cloud.api.expect<{ spaces: { label: string; status: string; plate?: string | null }[] }>(
    200,
    'GET',
    `/api/schedule?facilityId=${facilityId}`,
  );
  return body.spaces;
}

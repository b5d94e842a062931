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
  const facility = await cloud.must<{ id: string }>(201, 'POST', '/api/facilities', {
    name: 'Central Garage',
  });
  const spaces: SeededSite['spaces'] = [];
  for (let i = 1; i <= spaceCount; i++) {
    const label = `A-${String(i).padStart(2, '0')}`;
    const space = await cloud.must<{ id: string }>(201, 'POST', `/api/facilities/${facility.id}/spaces`, {
      label,
      floor: 1,
    });
    spaces.push({ id: space.id, label });
  }
  const gate = async (name: string, direction: 'entry' | 'exit') => {
    const g = await cloud.must<{ id: string; mqtt: { password: string } }>(
      201,
      'POST',
      `/api/facilities/${facility.id}/gates`,
      {
        name,
        direction,
      },
    );
    return { id: g.id, password: g.mqtt.password };
  };
  const site: SeededSite = {
    facilityId: facility.id,
    spaces,
    entry: await gate('North entry', 'entry'),
    exit: await gate('North exit', 'exit'),
    reservations: new Map(),
  };
  let next = 0;
  for (const car of cast.filter((c) => c.member)) {
    const member = await cloud.must<{ id: string; token: string }>(201, 'POST', '/api/members', {
      name: car.name,
      plates: [car.plate],
      rfidTags: car.tag ? [car.tag] : [],
    });
    if (!car.member?.reserves) continue;
    const space = spaces[next++];
    if (!space) throw new Error(`the scenario needs more than ${spaceCount} spaces`);
    const r = await cloud.must<{ id: string }>(
      201,
      'POST',
      '/api/reservations',
      { spaceId: space.id, plate: car.plate },
      member.token,
    );
    site.reservations.set(car.name, { id: r.id, spaceId: space.id, label: space.label });
  }
  return site;
}

export async function schedule(cloud: CloudClient, facilityId: string) {
  const body = await cloud.must<{ spaces: { label: string; status: string; plate?: string | null }[] }>(
    200,
    'GET',
    `/api/schedule?facilityId=${facilityId}`,
  );
  return body.spaces;
}

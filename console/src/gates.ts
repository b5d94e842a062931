/**
 * The gates as they are now: names and facilities from the API, and what each gate last said of
 * itself from its retained `availability` and `state` on the broker.
 */
import { gateStateSchema, topics } from '@parkinglot/shared';
import type { MqttClient } from 'mqtt';
import type { GateInfo } from './api.js';

export interface GateRow extends GateInfo {
  availability: 'online' | 'offline' | 'unknown';
  state: {
    barrier?: string;
    phase?: string;
    cloudLink?: string;
    outboxDepth?: number;
    alarms?: string[];
    lastRead?: { kind: string; value: string; at: string } | null;
  } | null;
}

/**
 * Reads the retained availability and state of every gate. The broker sends retained messages right
 * after the subscription; once none has come for `quietMs` (or after `maxMs`) they are all in.
 */
export async function readRetained(client: MqttClient, quietMs = 300, maxMs = 3_000) {
  const availability = new Map<string, string>();
  const states = new Map<string, GateRow['state']>();
  const filters = [topics.allAvailability, topics.allStates];
  await new Promise<void>((resolve) => {
    let quiet: NodeJS.Timeout | undefined;
    const settle = () => {
      clearTimeout(quiet);
      clearTimeout(max);
      client.off('message', onMessage);
      resolve();
    };
    const max = setTimeout(settle, maxMs);
    const onMessage = (topic: string, payload: Buffer) => {
      const [, , gateId, channel] = topic.split('/');
      if (!gateId) return;
      if (channel === 'availability') availability.set(gateId, payload.toString('utf8'));
      if (channel === 'state') {
        try {
          // A gate's own topic is the gate's to lie on: only a state that parses is shown.
          const state = gateStateSchema.safeParse(JSON.parse(payload.toString('utf8')));
          if (state.success) states.set(gateId, state.data as GateRow['state']);
        } catch {
          // not JSON: no state
        }
      }
      clearTimeout(quiet);
      quiet = setTimeout(settle, quietMs);
    };
    client.on('message', onMessage);
    void client.subscribeAsync(filters, { qos: 1 }).then(() => {
      quiet = setTimeout(settle, quietMs);
    });
  });
  await client.unsubscribeAsync(filters).catch(() => undefined);
  return { availability, states };
}

export function gateRows(gates: GateInfo[], retained: Awaited<ReturnType<typeof readRetained>>): GateRow[] {
  return gates.map((g) => {
    const said = retained.availability.get(g.id);
    return {
      ...g,
      availability: said === 'online' || said === 'offline' ? said : 'unknown',
      state: retained.states.get(g.id) ?? null,
    };
  });
}

export function gateTableRows(rows: GateRow[]): string[][] {
  return [
    ['GATE', 'ID', 'FACILITY', 'DIR', 'ONLINE', 'BARRIER', 'PHASE', 'LINK', 'OUTBOX', 'ALARMS', 'LAST READ'],
    ...rows.map((r) => [
      r.name,
      r.id,
      r.facilityName,
      r.direction,
      r.availability,
      r.state?.barrier ?? '-',
      r.state?.phase ?? '-',
      r.state?.cloudLink ?? '-',
      r.state?.outboxDepth === undefined ? '-' : String(r.state.outboxDepth),
      r.state?.alarms?.length ? r.state.alarms.join(',') : '-',
      r.state?.lastRead ? `${r.state.lastRead.value} ${r.state.lastRead.at.slice(11, 19)}` : '-',
    ]),
  ];
}

/** A gate named by its id or by its name (case-insensitive), or why not. */
export function findGate(gates: GateInfo[], wanted: string): GateInfo {
  const byId = gates.find((g) => g.id === wanted);
  if (byId) return byId;
  const byName = gates.filter((g) => g.name.toLowerCase() === wanted.toLowerCase());
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) {
    throw new Error(
      `"${wanted}" names ${byName.length} gates (${byName.map((g) => `${g.id} at ${g.facilityName}`).join(', ')}): use the id`,
    );
  }
  throw new Error(`no active gate is named or numbered "${wanted}" (parkinglot-console gates lists them)`);
}

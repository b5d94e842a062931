/**
 * Home Assistant MQTT discovery (opt-in: PARKING_HA_DISCOVERY=true). For each active gate the
 * cloud keeps, retained under `homeassistant/…`:
 *
 * - a cover (`device_class: gate`) for the barrier: its state from the gate's retained `state`,
 *   OPEN and CLOSE as commands;
 * - a binary sensor per loop detector (arrival, passage);
 * - a button that opens the barrier for one vehicle;
 *
 * each available while the gate's own `availability` says `online`, under one device per gate.
 *
 * Home Assistant signs in as an operator account (PARKING_HA_ACCOUNT, `homeassistant` by default;
 * create it with the `operator` role). Its command topics are under that account's own
 * `parking/operators/{name}/ha/…`, which only it may publish on, and each command goes through the
 * same audited path as the console's (`via: "homeassistant"`).
 *
 * Discovery is published by the leading instance; commands are taken by whichever instance gets
 * them (a share group on Mosquitto).
 */
import type { Logger } from '@parkinglot/platform/log';
import { sharedFilter } from '@parkinglot/platform/mqtt';
import {
  type CommandAction,
  HA_DISCOVERY_PREFIX,
  newId,
  parseHomeAssistantTopic,
  topics,
} from '@parkinglot/shared';
import type { Kysely } from 'kysely';
import type { Database, Gate } from '../db/schema.js';
import type { EventBus } from '../domain/bus.js';
import { findAccountByName } from '../domain/operators.js';
import type { GateCommander } from '../gateway/gate-commander.js';
import type { GateDirectory } from '../gateway/gate-directory.js';
import type { MqttPort } from '../gateway/port.js';

const LOOPS = ['arrival', 'passage'] as const;

/** What each command topic's payload asks for. */
const COMMANDS: Record<string, Record<string, CommandAction>> = {
  barrier: { OPEN: 'open', CLOSE: 'release' },
  open: { PRESS: 'open' },
};

/** The retained discovery messages for one gate: topic → config (null removes the entity). */
export function discoveryMessages(
  gate: Gate,
  facilityName: string,
  account: string,
): Record<string, Record<string, unknown> | null> {
  const g = gate.id;
  const base = `parkinglot_${g}`;
  const device = {
    identifiers: [base],
    name: `${facilityName} ${gate.name}`,
    manufacturer: 'parkinglot',
    model: `${gate.direction} gate`,
    suggested_area: facilityName,
  };
  const availability = {
    availability_topic: topics.availability(g),
    payload_available: 'online',
    payload_not_available: 'offline',
  };
  const messages: Record<string, Record<string, unknown> | null> = {
    [`${HA_DISCOVERY_PREFIX}/cover/${g}/barrier/config`]: {
      name: 'Barrier',
      unique_id: `${base}_barrier`,
      object_id: `${base}_barrier`,
      device_class: 'gate',
      device,
      ...availability,
      state_topic: topics.state(g),
      // A barrier the gate reports as `unknown` is no state at all to Home Assistant.
      value_template:
        "{{ value_json.barrier if value_json.barrier in ['open', 'opening', 'closed', 'closing'] else 'None' }}",
      command_topic: topics.homeAssistantCommand(account, g, 'barrier'),
      payload_open: 'OPEN',
      payload_close: 'CLOSE',
      payload_stop: null,
      optimistic: false,
    },
    [`${HA_DISCOVERY_PREFIX}/button/${g}/open/config`]: {
      name: 'Let one vehicle through',
      unique_id: `${base}_open`,
      object_id: `${base}_open`,
      device,
      ...availability,
      command_topic: topics.homeAssistantCommand(account, g, 'open'),
      payload_press: 'PRESS',
    },
  };
  for (const loop of LOOPS) {
    messages[`${HA_DISCOVERY_PREFIX}/binary_sensor/${g}/loop_${loop}/config`] = {
      name: `${loop[0]!.toUpperCase()}${loop.slice(1)} loop`,
      unique_id: `${base}_loop_${loop}`,
      object_id: `${base}_loop_${loop}`,
      device_class: 'occupancy',
      device,
      ...availability,
      state_topic: topics.state(g),
      value_template: `{{ 'ON' if value_json.loops.${loop} else 'OFF' }}`,
    };
  }
  return messages;
}

export class HomeAssistantDiscovery {
  private unfollow: (() => void) | null = null;

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      bus: EventBus;
      mqtt: MqttPort;
      /** Where its commands are taken in (an Intake): mqtt unless given. */
      requests?: MqttPort;
      gates: GateDirectory;
      commander: GateCommander;
      log: Logger;
      /** The account Home Assistant signs in as. */
      account: string;
      shareGroup: string | null;
    },
  ) {}

  /** Takes Home Assistant's commands: on every instance. */
  async listen(): Promise<void> {
    await (this.deps.requests ?? this.deps.mqtt).subscribe(
      sharedFilter(this.deps.shareGroup, topics.allHomeAssistantCommands),
      (topic, payload, { retain }) => {
        // A press kept by the broker (Mosquitto cannot forbid retaining there) is an old press:
        // acted on at every subscription, it would open the gate again and again.
        if (retain) return this.deps.log.warn(`ignored a retained Home Assistant command on ${topic}`);
        return this.onCommand(topic, payload);
      },
    );
  }

  /** Publishes every gate's discovery and follows registrations: on the leading instance. */
  async start(): Promise<void> {
    for (const gate of this.deps.gates.all()) await this.announce(gate.id);
    this.unfollow = this.deps.bus.on('eventsAppended', async ({ events }) => {
      for (const event of events) {
        if (event.type === 'GateRegistered' || event.type === 'GateDeactivated')
          await this.announce(event.aggregateId);
      }
    });
  }

  async stop(): Promise<void> {
    this.unfollow?.();
    this.unfollow = null;
  }

  /** The gate's entities, or their removal (an empty retained message) once it is deactivated. */
  async announce(gateId: string): Promise<void> {
    const gate = await this.deps.db
      .selectFrom('gates')
      .selectAll()
      .where('id', '=', gateId)
      .executeTakeFirst();
    if (!gate) return;
    const facility = await this.deps.db
      .selectFrom('facilities')
      .select('name')
      .where('id', '=', gate.facility_id)
      .executeTakeFirst();
    const messages = discoveryMessages(gate, facility?.name ?? gate.facility_id, this.deps.account);
    for (const [topic, config] of Object.entries(messages)) {
      const body = gate.deactivated_at === null && config ? JSON.stringify(config) : '';
      await this.deps.mqtt
        .publish(topic, body, { qos: 1, retain: true })
        .catch((error: Error) => this.deps.log.warn(`could not publish ${topic}`, error));
    }
  }

  private async onCommand(topic: string, payload: Buffer): Promise<void> {
    const target = parseHomeAssistantTopic(topic);
    if (!target) return;
    const said = payload.toString('utf8').trim();
    // Own keys only: `constructor` or `toString` in a topic is no command.
    const entity = Object.hasOwn(COMMANDS, target.entity) ? COMMANDS[target.entity]! : null;
    const action = entity && Object.hasOwn(entity, said) ? entity[said] : undefined;
    if (!action) {
      this.deps.log.warn(
        `Home Assistant (${target.name}) sent ${JSON.stringify(said.slice(0, 40))} to ${target.gateId}/${target.entity}: not a command here`,
      );
      return;
    }
    try {
      const row = await findAccountByName(this.deps.db, target.name);
      if (!row || row.disabled_at !== null) {
        this.deps.log.warn(
          `a Home Assistant command came from ${target.name}, which is not an active account`,
        );
        return;
      }
      const result = await this.deps.commander.run({
        commandId: newId('cmd'),
        gateId: target.gateId,
        account: { id: row.id, name: row.name, role: row.role },
        action,
        reason: `Home Assistant: ${target.entity} ${said}`,
        via: 'homeassistant',
      });
      if (result && !result.ok)
        this.deps.log.warn(
          `Home Assistant's ${action} of ${target.gateId}: ${result.outcome} (${result.error ?? ''})`,
        );
    } catch (error) {
      this.deps.log.error(`Home Assistant's ${action} of ${target.gateId} failed`, error);
    }
  }
}

/**
 * The gate's side of the per-gate MQTT topics that are not request/response or events: retained
 * availability (with the last will), retained state, and operator commands with their responses.
 */

import type { Logger } from '@parkinglot/platform/log';
import type { Clock } from '@parkinglot/platform/time';
import {
  type CommandResponse,
  describeZodError,
  gateCommandSchema,
  MAX_COMMAND_BYTES,
  parseJsonPayload,
  readIdField,
  topics,
} from '@parkinglot/shared';
import type { GateController } from '../gate/controller.js';
import type { EdgeMqttPort } from './port.js';

export interface GateLinkOptions {
  gateId: string;
  mqtt: EdgeMqttPort;
  controller: GateController;
  clock: Clock;
  log: Logger;
  /** Extra fields of the retained state (outbox depth, cloud link, reader health). */
  extraState: () => Record<string, unknown>;
  /** Alarms raised outside the gate logic (outbox full, reader down). */
  extraAlarms: () => string[];
  heartbeatMs: number;
}

export class GateLink {
  private heartbeat: unknown = null;
  private lastState = '';
  private unsubscribe: (() => void) | null = null;
  readonly stats = { commands: 0, badCommands: 0 };

  constructor(private readonly o: GateLinkOptions) {}

  async start(): Promise<void> {
    await this.o.mqtt.subscribe(topics.command(this.o.gateId), (_topic, payload) => this.onCommand(payload));
    this.unsubscribe = this.o.controller.onChange(() => this.publishState());
    this.heartbeat = this.o.clock.setInterval(() => this.publishState(true), this.o.heartbeatMs);
  }

  stop(): void {
    if (this.heartbeat !== null) this.o.clock.clearInterval(this.heartbeat);
    this.unsubscribe?.();
  }

  /** After every (re)connect: say we are online and what we look like. */
  announce(): void {
    this.o.mqtt.publishNoWait(topics.availability(this.o.gateId), 'online', { qos: 1, retain: true });
    this.publishState(true);
  }

  state(): Record<string, unknown> {
    const snapshot = this.o.controller.snapshot();
    return {
      barrier: snapshot.barrier,
      phase: snapshot.phase,
      loops: snapshot.loops,
      lastRead: snapshot.lastRead,
      ...this.o.extraState(),
      alarms: [...snapshot.alarms, ...this.o.extraAlarms()],
    };
  }

  /** Publishes the retained state when it changed (or always, for the heartbeat). Never throws. */
  publishState(force = false): void {
    const body = JSON.stringify(this.state());
    if (!force && body === this.lastState) return;
    if (this.o.mqtt.publishNoWait(topics.state(this.o.gateId), body, { qos: 1, retain: true }))
      this.lastState = body;
  }

  private async onCommand(payload: Buffer): Promise<void> {
    const parsed = parseJsonPayload(payload, MAX_COMMAND_BYTES);
    const command = parsed.ok ? gateCommandSchema.safeParse(parsed.value) : null;
    if (!command?.success) {
      this.stats.badCommands += 1;
      const commandId = parsed.ok ? readIdField(parsed.value, 'commandId') : null;
      const error = !parsed.ok ? parsed.error : describeZodError(command!.error);
      this.o.log.warn(`refused a malformed command: ${error}`);
      if (commandId) this.respond({ commandId, ok: false, error, at: this.now() });
      return;
    }
    const { commandId, action, by, reason } = command.data;
    this.stats.commands += 1;
    this.o.log.info(`command ${commandId}: ${action} by ${by}${reason ? ` (${reason})` : ''}`);
    try {
      const refusal = await this.o.controller.command(action, by, commandId, reason);
      this.respond(
        refusal === null
          ? { commandId, ok: true, at: this.now() }
          : { commandId, ok: false, error: refusal, at: this.now() },
      );
    } catch (error) {
      this.o.log.error(`command ${commandId} failed`, error);
      this.respond({ commandId, ok: false, error: (error as Error).message, at: this.now() });
    }
  }

  private respond(response: CommandResponse): void {
    this.o.mqtt.publishNoWait(topics.commandResponse(this.o.gateId), JSON.stringify(response), { qos: 1 });
  }

  private now(): string {
    return new Date(this.o.clock.now()).toISOString();
  }
}

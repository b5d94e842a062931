/**
 * Operator commands to gates, one path for all of them (the console over MQTT, the HTTP API, Home
 * Assistant): the cloud checks the account, records the command, sends it to the gate as the cloud,
 * waits for the gate's answer, and records that too.
 *
 * Over MQTT an operator publishes on `parking/operators/{name}/command`, a topic only the account
 * `name` may publish on (the broker's ACL), so `by` is the topic's name and cannot be forged. Only
 * the cloud may publish on a gate's `command` topic. The answer goes to
 * `parking/operators/{name}/command/response`.
 *
 * With several instances a command reaches one of them (a share group); the gate's answer reaches
 * every instance (`command/response` is followed plainly), and the one waiting for it takes it.
 */
import type { Logger } from '@parkinglot/platform/log';
import { sharedFilter } from '@parkinglot/platform/mqtt';
import type { Clock } from '@parkinglot/platform/time';
import {
  type CommandAction,
  type CommandOutcome,
  type CommandResponse,
  commandResponseSchema,
  describeZodError,
  type GateCommand,
  MAX_COMMAND_BYTES,
  type OperatorCommandResult,
  operatorCommandSchema,
  parseGateTopic,
  parseJsonPayload,
  parseOperatorCommandTopic,
  readIdField,
  topics,
} from '@parkinglot/shared';
import type { CommandVia } from '../db/schema.js';
import type { DomainContext } from '../domain/context.js';
import { findCommand, recordAnswer, recordIssued } from '../domain/gate-commands.js';
import { findAccountByName, hasRole, type StaffAccount } from '../domain/operators.js';
import type { CloudMetrics } from '../metrics/cloud-metrics.js';
import type { GateDirectory } from './gate-directory.js';
import type { GateStatus } from './gate-status.js';
import type { MqttPort } from './port.js';

/** How long the cloud waits for a gate to carry a command out, unless configured (PARKING_COMMAND_TIMEOUT). */
export const COMMAND_TIMEOUT_MS = 5_000;

export interface CommandRequest {
  commandId: string;
  gateId: string;
  account: StaffAccount;
  action: CommandAction;
  reason: string;
  via: CommandVia;
}

export class GateCommander {
  private readonly pending = new Map<string, { gateId: string; answer: (r: CommandResponse) => void }>();

  constructor(
    private readonly deps: {
      ctx: DomainContext;
      mqtt: MqttPort;
      /** Where operators' commands are taken in (an Intake, so a stopping instance takes no more): mqtt unless given. */
      requests?: MqttPort;
      gates: GateDirectory;
      status: GateStatus;
      metrics: CloudMetrics;
      clock: Clock;
      log: Logger;
      shareGroup?: string | null;
      timeoutMs?: number;
    },
  ) {}

  async start(): Promise<void> {
    const { mqtt, shareGroup } = this.deps;
    await mqtt.subscribe(topics.allCommandResponses, (topic, payload) => this.onGateAnswer(topic, payload));
    await (this.deps.requests ?? mqtt).subscribe(
      sharedFilter(shareGroup, topics.allOperatorCommands),
      (topic, payload) => this.onOperatorCommand(topic, payload),
    );
  }

  /**
   * Carries a command through and says how it ended; null when its commandId is already on its way
   * (a repeated delivery: the first delivery's answer follows).
   */
  async run(request: CommandRequest): Promise<OperatorCommandResult | null> {
    const { commandId, gateId, account } = request;
    const ended = (outcome: CommandOutcome, error?: string): OperatorCommandResult => {
      this.deps.metrics.gateCommands.inc({ outcome });
      return {
        commandId,
        gateId,
        outcome,
        ok: outcome === 'ok',
        ...(error ? { error } : {}),
        at: new Date(this.deps.clock.now()).toISOString(),
      };
    };
    if (!hasRole(account, 'operator')) {
      return ended(
        'forbidden',
        `${account.name} is a ${account.role}: only operators and admins command gates`,
      );
    }
    const gate = await this.deps.gates.get(gateId);
    if (!gate) return ended('invalid', `gate ${gateId} is not registered`);
    const command = { ...request, gate };
    if (!(await recordIssued(this.deps.ctx, command))) {
      const earlier = await findCommand(this.deps.ctx.db, commandId);
      if (!earlier?.outcome) return null;
      // Asked again after it ended: the same answer, without doing it twice.
      return ended(earlier.outcome, earlier.error ?? undefined);
    }
    const finish = async (outcome: CommandOutcome, error?: string) => {
      await recordAnswer(this.deps.ctx, command, outcome, error ?? null).catch((e: unknown) =>
        this.deps.log.error(`command ${commandId}: its outcome (${outcome}) was not recorded`, e),
      );
      return ended(outcome, error);
    };
    if (!this.deps.status.isOnline(gateId)) return finish('offline', `gate ${gateId} is offline`);
    const answer = await this.ask(command);
    if (answer === 'timeout')
      return finish('timeout', `gate ${gateId} did not answer within ${this.timeoutMs} ms`);
    if (answer === 'unsent') return finish('timeout', 'the cloud could not reach the broker to send it');
    return answer.ok ? finish('ok') : finish('refused', answer.error ?? 'the gate refused it');
  }

  private get timeoutMs(): number {
    return this.deps.timeoutMs ?? COMMAND_TIMEOUT_MS;
  }

  private ask(command: CommandRequest): Promise<CommandResponse | 'timeout' | 'unsent'> {
    const { clock, mqtt } = this.deps;
    return new Promise((resolve) => {
      const timer = clock.setTimeout(() => {
        this.pending.delete(command.commandId);
        resolve('timeout');
      }, this.timeoutMs);
      const settle = (result: CommandResponse | 'unsent') => {
        clock.clearTimeout(timer);
        this.pending.delete(command.commandId);
        resolve(result);
      };
      this.pending.set(command.commandId, { gateId: command.gateId, answer: settle });
      const message: GateCommand = {
        commandId: command.commandId,
        action: command.action,
        reason: command.reason,
        by: command.account.name,
      };
      mqtt
        .publish(topics.command(command.gateId), JSON.stringify(message), { qos: 1 })
        .catch((error: Error) => {
          this.deps.log.warn(
            `command ${command.commandId} could not be sent to gate ${command.gateId}`,
            error,
          );
          settle('unsent');
        });
    });
  }

  private onGateAnswer(topic: string, payload: Buffer): void {
    const gateId = parseGateTopic(topic)?.gateId;
    const json = parseJsonPayload(payload, MAX_COMMAND_BYTES);
    const parsed = json.ok ? commandResponseSchema.safeParse(json.value) : null;
    if (!gateId || !parsed?.success) return;
    const waiting = this.pending.get(parsed.data.commandId);
    // A gate answers only for its own commands.
    if (waiting?.gateId === gateId) waiting.answer(parsed.data);
  }

  private async onOperatorCommand(topic: string, payload: Buffer): Promise<void> {
    const name = parseOperatorCommandTopic(topic);
    if (!name) return;
    const reply = (result: OperatorCommandResult) =>
      this.deps.mqtt
        .publish(topics.operatorCommandResponse(name), JSON.stringify(result), { qos: 1 })
        .catch((error: Error) =>
          this.deps.log.warn(`could not answer ${name}'s command ${result.commandId}`, error),
        );
    const json = parseJsonPayload(payload, MAX_COMMAND_BYTES);
    const parsed = json.ok ? operatorCommandSchema.safeParse(json.value) : null;
    const at = () => new Date(this.deps.clock.now()).toISOString();
    if (!parsed?.success) {
      const error = !json.ok ? json.error : describeZodError(parsed!.error);
      this.deps.metrics.gateCommands.inc({ outcome: 'invalid' });
      this.deps.log.warn(`refused a malformed command from ${name}: ${error}`);
      const commandId = json.ok ? readIdField(json.value, 'commandId') : null;
      if (commandId) await reply({ commandId, outcome: 'invalid', ok: false, error, at: at() });
      return;
    }
    const { commandId, gateId, action, reason } = parsed.data;
    try {
      const row = await findAccountByName(this.deps.ctx.db, name);
      if (!row || row.disabled_at !== null) {
        this.deps.metrics.gateCommands.inc({ outcome: 'forbidden' });
        await reply({
          commandId,
          gateId,
          outcome: 'forbidden',
          ok: false,
          error: `${name} is not an active account`,
          at: at(),
        });
        return;
      }
      const account = { id: row.id, name: row.name, role: row.role };
      const result = await this.run({ commandId, gateId, account, action, reason, via: 'mqtt' });
      if (result) await reply(result);
    } catch (error) {
      // Not recorded, so not sent: a command nobody can account for does not reach a gate.
      this.deps.log.error(`command ${commandId} from ${name} failed`, error);
      this.deps.metrics.gateCommands.inc({ outcome: 'unavailable' });
      await reply({
        commandId,
        gateId,
        outcome: 'unavailable',
        ok: false,
        error: 'the cloud could not record the command; it was not sent',
        at: at(),
      });
    }
  }
}

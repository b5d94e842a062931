/**
 * Commands to Mosquitto's dynamic-security plugin: a JSON message on `$CONTROL/dynamic-security/v1`
 * holding a list of commands, answered on `…/v1/response` with one response per command, matched
 * here by `correlationData` (https://mosquitto.org/documentation/dynamic-security/). Only a login
 * holding the plugin's admin role (as `mosquitto_ctrl dynsec init` creates it) may send them.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@parkinglot/platform/log';
import type { Clock } from '@parkinglot/platform/time';
import type { MqttPort } from '../gateway/port.js';

export const DYNSEC_TOPIC = '$CONTROL/dynamic-security/v1';
export const DYNSEC_RESPONSE_TOPIC = `${DYNSEC_TOPIC}/response`;

export type DynsecCommand = { command: string } & Record<string, unknown>;
export interface DynsecResponse {
  command: string;
  error?: string;
  data?: unknown;
}

/** The plugin refused a command; `response.error` says why ("Client already exists", …). */
export class DynsecError extends Error {
  override name = 'DynsecError';
  constructor(readonly response: DynsecResponse) {
    super(`dynamic security: ${response.command}: ${response.error}`);
  }
}

interface Pending {
  resolve: (response: DynsecResponse) => void;
  reject: (error: Error) => void;
  timer: unknown;
}

export class DynsecClient {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly deps: { mqtt: MqttPort; log: Logger; clock: Clock; timeoutMs?: number }) {}

  async start(): Promise<void> {
    await this.deps.mqtt.subscribe(DYNSEC_RESPONSE_TOPIC, (_topic, payload) => this.onResponse(payload), 1);
  }

  /** Fails every command still waiting (the connection is going away). */
  stop(): void {
    for (const [id, pending] of this.pending) {
      this.deps.clock.clearTimeout(pending.timer);
      pending.reject(new Error('dynamic security: stopped before the broker answered'));
      this.pending.delete(id);
    }
  }

  /**
   * Sends `commands` in one message (the plugin runs them in order) and resolves with their
   * responses, errors included: the caller decides which errors it can live with.
   */
  async send(commands: DynsecCommand[]): Promise<DynsecResponse[]> {
    const timeoutMs = this.deps.timeoutMs ?? 5_000;
    const tagged = commands.map((c) => ({ ...c, correlationData: randomUUID() }));
    const answers = tagged.map(
      (c) =>
        new Promise<DynsecResponse>((resolve, reject) => {
          const timer = this.deps.clock.setTimeout(() => {
            this.pending.delete(c.correlationData);
            reject(
              new Error(
                `dynamic security: no answer to ${c.command} within ${timeoutMs} ms (is the plugin loaded, and is this login its admin?)`,
              ),
            );
          }, timeoutMs);
          this.pending.set(c.correlationData, { resolve, reject, timer });
        }),
    );
    try {
      await this.deps.mqtt.publish(DYNSEC_TOPIC, JSON.stringify({ commands: tagged }), { qos: 1 });
    } catch (error) {
      for (const c of tagged) {
        const pending = this.pending.get(c.correlationData);
        if (!pending) continue;
        this.deps.clock.clearTimeout(pending.timer);
        this.pending.delete(c.correlationData);
        pending.reject(error as Error);
      }
    }
    return Promise.all(answers);
  }

  /** Sends a command whose answer may never come (one that makes the plugin disconnect this login). */
  sendOnly(command: DynsecCommand): void {
    this.deps.mqtt
      .publish(DYNSEC_TOPIC, JSON.stringify({ commands: [command] }), { qos: 1 })
      .catch((error: Error) =>
        this.deps.log.debug(() => `dynamic security: ${command.command}: ${error.message}`),
      );
  }

  /** Sends `commands` and throws on the first error that `tolerate` does not accept. */
  async run(
    commands: DynsecCommand[],
    tolerate: (error: string) => boolean = () => false,
  ): Promise<DynsecResponse[]> {
    const responses = await this.send(commands);
    const failed = responses.find((r) => r.error !== undefined && !tolerate(r.error));
    if (failed) throw new DynsecError(failed);
    return responses;
  }

  private onResponse(payload: Buffer): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      this.deps.log.warn('dynamic security: an unreadable response was ignored');
      return;
    }
    const responses = (parsed as { responses?: unknown }).responses;
    if (!Array.isArray(responses)) return;
    for (const response of responses as (DynsecResponse & { correlationData?: unknown })[]) {
      const id = typeof response?.correlationData === 'string' ? response.correlationData : null;
      const pending = id ? this.pending.get(id) : undefined;
      if (!id || !pending) continue;
      this.pending.delete(id);
      this.deps.clock.clearTimeout(pending.timer);
      pending.resolve(response);
    }
  }
}

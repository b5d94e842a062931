/**
 * A gate command from the console: published on the account's own command topic, answered by the
 * cloud once the gate has answered (or could not), on `…/command/response`.
 */
import { randomBytes } from 'node:crypto';
import {
  type CommandAction,
  type OperatorCommandResult,
  operatorCommandResultSchema,
  topics,
} from '@parkinglot/shared';
import type { MqttClient } from 'mqtt';
import { ConsoleError } from './api.js';

export async function sendCommand(
  client: MqttClient,
  user: string,
  command: { gateId: string; action: CommandAction; reason: string },
  timeoutMs: number,
): Promise<OperatorCommandResult> {
  const commandId = `cmd_console_${randomBytes(8).toString('hex')}`;
  const responses = topics.operatorCommandResponse(user);
  await client.subscribeAsync(responses, { qos: 1 });
  try {
    const answer = new Promise<OperatorCommandResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.off('message', onMessage);
        reject(
          new ConsoleError(
            `no answer within ${timeoutMs} ms: the cloud is not running, or the broker dropped the command (is ${user} allowed to command?)`,
            'timeout',
          ),
        );
      }, timeoutMs);
      const onMessage = (topic: string, payload: Buffer) => {
        if (topic !== responses) return;
        let parsed: unknown;
        try {
          parsed = JSON.parse(payload.toString('utf8'));
        } catch {
          return;
        }
        const result = operatorCommandResultSchema.safeParse(parsed);
        if (!result.success || result.data.commandId !== commandId) return;
        clearTimeout(timer);
        client.off('message', onMessage);
        resolve(result.data);
      };
      client.on('message', onMessage);
    });
    await client.publishAsync(topics.operatorCommand(user), JSON.stringify({ commandId, ...command }), {
      qos: 1,
    });
    return await answer;
  } finally {
    await client.unsubscribeAsync(responses).catch(() => undefined);
  }
}

/** One line for a command's outcome, as the console prints it. */
export function describeResult(gate: string, action: string, result: OperatorCommandResult): string {
  switch (result.outcome) {
    case 'ok':
      return `${gate}: ${action} done`;
    case 'offline':
      return `${gate}: offline, not sent (${result.error ?? ''})`;
    case 'timeout':
      return `${gate}: no answer from the gate in time (${result.error ?? ''})`;
    case 'refused':
      return `${gate}: the gate refused: ${result.error ?? 'no reason given'}`;
    case 'forbidden':
      return `${gate}: not allowed: ${result.error ?? ''}`;
    default:
      return `${gate}: ${result.outcome}: ${result.error ?? ''}`;
  }
}

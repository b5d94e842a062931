/**
 * The audit of operator commands: each is recorded before it is sent to the gate, and its outcome
 * after, each time with a domain event (GateCommandIssued, GateCommandAnswered) in the same
 * transaction. The gate records what it did itself (ManualOpen, ManualHoldOpen, ManualRelease) as
 * gate events; both are read through the API.
 */
import type { CommandAction, CommandOutcome } from '@parkinglot/shared';
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../db/errors.js';
import type { CommandVia, Database, Gate, GateCommandRow } from '../db/schema.js';
import { iso } from '../util/time.js';
import type { DomainContext } from './context.js';
import type { StaffAccount } from './operators.js';
import { commit } from './unit-of-work.js';

export interface IssuedCommand {
  commandId: string;
  gate: Gate;
  account: StaffAccount;
  action: CommandAction;
  reason: string;
  via: CommandVia;
}

/** Records the command; false if its commandId was recorded before (a repeat, not sent again). */
export async function recordIssued(ctx: DomainContext, command: IssuedCommand): Promise<boolean> {
  const { commandId, gate, account, action, reason, via } = command;
  try {
    await commit(ctx, async (trx, now) => {
      await trx
        .insertInto('gate_commands')
        .values({
          command_id: commandId,
          gate_id: gate.id,
          facility_id: gate.facility_id,
          operator_id: account.id,
          operator_name: account.name,
          action,
          reason,
          via,
          issued_at: iso(now),
          outcome: null,
          error: null,
          answered_at: null,
        })
        .execute();
      return {
        result: null,
        events: [
          {
            type: 'GateCommandIssued',
            aggregateType: 'gate',
            aggregateId: gate.id,
            facilityId: gate.facility_id,
            data: {
              commandId,
              gateId: gate.id,
              operatorId: account.id,
              by: account.name,
              action,
              reason,
              via,
            },
          },
        ],
      };
    });
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

export async function recordAnswer(
  ctx: DomainContext,
  command: { commandId: string; gate: Gate },
  outcome: CommandOutcome,
  error: string | null,
): Promise<void> {
  await commit(ctx, async (trx, now) => {
    await trx
      .updateTable('gate_commands')
      .set({ outcome, error, answered_at: iso(now) })
      .where('command_id', '=', command.commandId)
      .where('outcome', 'is', null)
      .execute();
    return {
      result: null,
      events: [
        {
          type: 'GateCommandAnswered',
          aggregateType: 'gate',
          aggregateId: command.gate.id,
          facilityId: command.gate.facility_id,
          data: {
            commandId: command.commandId,
            gateId: command.gate.id,
            outcome,
            ...(error ? { error } : {}),
          },
        },
      ],
    };
  });
}

export function findCommand(db: Kysely<Database>, commandId: string): Promise<GateCommandRow | undefined> {
  return db.selectFrom('gate_commands').selectAll().where('command_id', '=', commandId).executeTakeFirst();
}

export function presentCommand(row: GateCommandRow) {
  return {
    commandId: row.command_id,
    gateId: row.gate_id,
    facilityId: row.facility_id,
    operatorId: row.operator_id,
    by: row.operator_name,
    action: row.action,
    reason: row.reason,
    via: row.via,
    issuedAt: row.issued_at,
    outcome: row.outcome,
    error: row.error,
    answeredAt: row.answered_at,
  };
}

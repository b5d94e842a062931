/**
 * The console's commands. Each returns its exit code: 0 done, 1 it did not work (the gate refused,
 * was offline or did not answer; the API said no), 2 it was asked wrongly (settings, usage).
 */
import type { CommandAction } from '@parkinglot/shared';
import { Command, InvalidArgumentError } from 'commander';
import { CloudApi, ConsoleError, type GateInfo, listGates } from './api.js';
import { describeResult, sendCommand } from './command.js';
import { findGate, gateRows, gateTableRows, readRetained } from './gates.js';
import { connectBroker } from './link.js';
import { type LineFilter, matches, Narrator } from './narrator.js';
import { type Output, paint, printLine, table } from './output.js';
import { type ConsoleSettings, ENV, resolveSettings, type SettingFlags, SettingsError } from './settings.js';

export interface Session {
  settings: ConsoleSettings;
  api: CloudApi;
  out: Output;
  /** Set for `watch` to stop on (Ctrl-C; Enter in the interactive mode). */
  stop?: AbortSignal;
}

const ACTIONS: Record<string, CommandAction> = { open: 'open', 'hold-open': 'hold_open', release: 'release' };

export async function watch(session: Session, filter: LineFilter): Promise<number> {
  const { settings, out } = session;
  const gates = await listGates(session.api).catch(() => [] as GateInfo[]);
  const facilityOf = new Map(gates.map((g) => [g.id, g.facilityId]));
  const narrator = new Narrator((id) => facilityOf.get(id) ?? null);
  const client = await connectBroker(settings, { reconnect: true });
  client.on('message', (topic, payload) => {
    for (const line of narrator.describe(topic, payload))
      if (matches(line, filter)) printLine(out, line, new Date());
  });
  client.on('offline', () =>
    out.error(paint(out, 'yellow', `lost the broker at ${settings.mqttUrl}; reconnecting…`)),
  );
  client.on('connect', () =>
    out.error(paint(out, 'gray', `watching ${settings.mqttUrl} as ${settings.user}`)),
  );
  await client.subscribeAsync('parking/#', { qos: 1 });
  out.error(paint(out, 'gray', `watching ${settings.mqttUrl} as ${settings.user} (Ctrl-C stops)`));
  await new Promise<void>((resolve) => {
    if (session.stop?.aborted) resolve();
    session.stop?.addEventListener('abort', () => resolve(), { once: true });
  });
  await client.endAsync();
  return 0;
}

export async function showGates(session: Session): Promise<number> {
  const gates = await listGates(session.api);
  const client = await connectBroker(session.settings, { reconnect: false });
  try {
    const rows = gateRows(gates, await readRetained(client));
    if (session.out.json) session.out.write(JSON.stringify(rows));
    else if (rows.length === 0) session.out.write('no gates registered');
    else session.out.write(table(gateTableRows(rows)));
    return 0;
  } finally {
    await client.endAsync();
  }
}

export async function command(
  session: Session,
  verb: string,
  gate: string,
  reason: string,
  timeoutMs: number,
  gates?: GateInfo[],
): Promise<number> {
  const action = ACTIONS[verb];
  if (!action) throw new ConsoleError(`unknown action ${verb}`, 'usage');
  const known = gates ?? (await listGates(session.api));
  const target = findGate(known, gate);
  const client = await connectBroker(session.settings, { reconnect: false });
  try {
    const result = await sendCommand(
      client,
      session.settings.user,
      { gateId: target.id, action, reason },
      timeoutMs,
    );
    const label = `${target.name} (${target.id})`;
    if (session.out.json) session.out.write(JSON.stringify(result));
    else if (result.ok) session.out.write(paint(session.out, 'green', describeResult(label, verb, result)));
    else session.out.error(paint(session.out, 'red', describeResult(label, verb, result)));
    return result.ok ? 0 : 1;
  } finally {
    await client.endAsync();
  }
}

type Account = {
  id: string;
  name: string;
  role: string;
  disabled: boolean;
  configured: boolean;
  token?: string;
  createdAt: string;
};

async function accountByName(api: CloudApi, name: string): Promise<Account> {
  const { items } = await api.call<{ items: Account[] }>('GET', '/api/operators');
  const found = items.find((a) => a.name === name);
  if (!found) throw new ConsoleError(`no account named ${name}`, 'not_found');
  return found;
}

export async function accounts(
  session: Session,
  verb: string,
  name?: string,
  role?: string,
): Promise<number> {
  const { api, out } = session;
  const show = (a: Account) =>
    out.write(
      out.json
        ? JSON.stringify(a)
        : `${a.name}  ${a.role}  ${a.disabled ? 'disabled' : 'active'}${a.configured ? '  (first admin)' : ''}  ${a.id}`,
    );
  const withToken = (a: Account) => {
    show(a);
    if (!out.json) out.write(`token (shown once; also its MQTT password, username ${a.name}): ${a.token}`);
  };
  switch (verb) {
    case 'list': {
      const { items } = await api.call<{ items: Account[] }>('GET', '/api/operators');
      if (out.json) out.write(JSON.stringify(items));
      else
        out.write(
          table([
            ['NAME', 'ROLE', 'STATUS', 'ID'],
            ...items.map((a) => [a.name, a.role, a.disabled ? 'disabled' : 'active', a.id]),
          ]),
        );
      return 0;
    }
    case 'create':
      withToken(await api.call<Account>('POST', '/api/operators', { name, role }));
      return 0;
    case 'rotate':
      withToken(
        await api.call<Account>('POST', `/api/operators/${(await accountByName(api, name!)).id}/token`),
      );
      return 0;
    case 'disable':
      show(await api.call<Account>('POST', `/api/operators/${(await accountByName(api, name!)).id}/disable`));
      return 0;
    default:
      throw new ConsoleError(`accounts: unknown ${verb} (list, create, rotate, disable)`, 'usage');
  }
}

const duration = (raw: string) => {
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 100 || ms > 600_000)
    throw new InvalidArgumentError('milliseconds, 100 to 600000');
  return ms;
};

export interface ProgramHooks {
  /** How a session is made from the global flags (the interactive mode keeps one). */
  session(flags: SettingFlags & { json?: boolean; color?: boolean }): Session;
  interactive(session: Session): Promise<number>;
  exit(code: number): void;
}

export function buildProgram(hooks: ProgramHooks): Command {
  const program = new Command('parkinglot-console')
    .description(
      'Watch a parkinglot site live, list its gates, command them (audited), keep operator accounts.',
    )
    .option('--cloud <url>', `the cloud's HTTP address (or ${ENV.cloud})`)
    .option('--mqtt <url>', `the broker's address (or ${ENV.mqtt})`)
    .option('--user <name>', `the operator account (or ${ENV.user})`)
    .option('--token <token>', `the account's token (or ${ENV.token})`)
    .option(
      '--data-dir <dir>',
      `where npm start wrote cloud.json and operator-token (or ${ENV.dataDir}; default ./data)`,
    )
    .option('--json', 'JSON lines for programs')
    .option('--no-color', 'no colours')
    .showHelpAfterError()
    .exitOverride();
  const session = () => hooks.session(program.opts());
  const run = (work: () => Promise<number>) => async () => hooks.exit(await work());

  program
    .command('watch')
    .description('a live feed: one line per thing that happens')
    .option('--facility <id>', 'only this facility')
    .option('--gate <id>', 'only this gate')
    .option(
      '--type <kinds>',
      'only these kinds or types, comma-separated (event, read, decision, availability, barrier, phase, alarm, outbox, link, command, or a domain event type such as ParkingStarted)',
    )
    .action(async (o: { facility?: string; gate?: string; type?: string }) =>
      run(() =>
        watch(session(), {
          ...(o.facility ? { facility: o.facility } : {}),
          ...(o.gate ? { gate: o.gate } : {}),
          ...(o.type
            ? {
                types: o.type
                  .split(',')
                  .map((t) => t.trim())
                  .filter(Boolean),
              }
            : {}),
        }),
      )(),
    );
  program
    .command('gates')
    .description(
      'every gate: facility, direction, online, barrier, phase, cloud link, outbox, alarms, last read',
    )
    .action(run(() => showGates(session())));
  for (const verb of Object.keys(ACTIONS)) {
    program
      .command(`${verb} <gate>`)
      .description(`${verb} a gate (by id or name); waits for the gate's answer`)
      .requiredOption('--reason <text>', 'why, for the audit')
      .option('--timeout <ms>', 'how long to wait for the answer', duration, 10_000)
      .action(async (gate: string, o: { reason: string; timeout: number }) =>
        run(() => command(session(), verb, gate, o.reason, o.timeout))(),
      );
  }
  const accountsCommand = program.command('accounts').description('operator accounts (admins)');
  accountsCommand.command('list').action(run(() => accounts(session(), 'list')));
  accountsCommand
    .command('create <name>')
    .requiredOption('--role <role>', 'viewer, operator or admin')
    .action(async (name: string, o: { role: string }) =>
      run(() => accounts(session(), 'create', name, o.role))(),
    );
  accountsCommand
    .command('rotate <name>')
    .description('a new token; the old one stops at once')
    .action(async (name: string) => run(() => accounts(session(), 'rotate', name))());
  accountsCommand
    .command('disable <name>')
    .action(async (name: string) => run(() => accounts(session(), 'disable', name))());
  program.action(run(() => hooks.interactive(session())));
  return program;
}

export function sessionFrom(flags: SettingFlags & { json?: boolean; color?: boolean }, out: Output): Session {
  const settings = resolveSettings(flags);
  return { settings, api: new CloudApi(settings.cloudUrl, settings.token), out };
}

export { SettingsError };

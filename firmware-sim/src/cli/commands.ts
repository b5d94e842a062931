/**
 * The simulator's prompt: one command per line, for a person driving the gates by hand.
 *
 *     car <gate> <plate> [confidence]       a car arrives, is read, waits for the arm, drives through
 *     tag <gate> <hex> [frames]             an RFID card is held to the reader
 *     loop <gate> arrival|passage on|off    a vehicle over (or off) a loop
 *     status                                arms, relays, loops and connections
 *     help | quit
 */
import { type CarTiming, driveCar } from './car.js';
import type { GateDevices } from './devices.js';

export const COMMAND_HELP = [
  'car <gate> <plate> [confidence]     a car arrives, is read, waits for the arm and drives through',
  'tag <gate> <hex10> [frames]         an RFID card is held to the reader (e.g. tag 1 62E3086CED)',
  'loop <gate> arrival|passage on|off  a vehicle over or off a loop detector',
  'status                              arms, relays, loops and connections',
  'quit                                close everything and exit',
].join('\n');

export interface CommandContext {
  /** Gate n is gates[n - 1]. */
  gates: GateDevices[];
  print(line: string): void;
  timing?: CarTiming;
}

/** Runs one line; resolves 'quit' when the user asked to leave. Problems are printed, never thrown. */
export async function runCommand(line: string, context: CommandContext): Promise<'quit' | undefined> {
  const [name, ...args] = line.trim().split(/\s+/);
  const { print } = context;
  try {
    switch (name) {
      case '':
      case undefined:
        return;
      case 'quit':
      case 'exit':
        return 'quit';
      case 'help':
        print(COMMAND_HELP);
        return;
      case 'status':
        context.gates.forEach((gate, i) => {
          print(`gate ${i + 1}: ${status(gate)}`);
        });
        return;
      case 'car':
        return await car(args, context);
      case 'tag':
        return tag(args, context);
      case 'loop':
        return loop(args, context);
      default:
        print(`unknown command "${name}"; type help`);
    }
  } catch (error) {
    print(`error: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function gateArg(value: string | undefined, gates: GateDevices[]): GateDevices {
  const n = Number(value);
  const gate = Number.isInteger(n) ? gates[n - 1] : undefined;
  if (!gate) throw new Error(`no gate "${value ?? ''}" (gates are 1 to ${gates.length})`);
  return gate;
}

function usage(text: string): never {
  throw new Error(`usage: ${text}`);
}

async function car(args: string[], context: CommandContext): Promise<undefined> {
  const [gateNo, plate, confidenceText] = args;
  if (!plate || args.length > 3) usage('car <gate> <plate> [confidence]');
  const gate = gateArg(gateNo, context.gates);
  const confidence = confidenceText === undefined ? undefined : Number(confidenceText);
  if (confidence !== undefined && !(confidence >= 0 && confidence <= 1)) usage('confidence is from 0 to 1');
  const print = (line: string) => context.print(`gate ${gateNo}: ${line}`);
  await driveCar(gate, plate, print, {
    ...(confidence === undefined ? {} : { confidence }),
    ...(context.timing ? { timing: context.timing } : {}),
  });
}

function tag(args: string[], context: CommandContext): undefined {
  const [gateNo, hex, framesText] = args;
  if (!hex || args.length > 3) usage('tag <gate> <hex10> [frames]');
  const gate = gateArg(gateNo, context.gates);
  const frames = framesText === undefined ? 3 : Number(framesText);
  if (!Number.isInteger(frames) || frames < 1) usage('frames is a whole number from 1');
  const shown = gate.rfid.emulator.present(hex, { frames });
  context.print(`gate ${gateNo}: tag ${shown.tag} in the field (${shown.frames} frames)`);
}

function loop(args: string[], context: CommandContext): undefined {
  const [gateNo, which, state] = args;
  if (
    (which !== 'arrival' && which !== 'passage') ||
    (state !== 'on' && state !== 'off') ||
    args.length > 3
  ) {
    usage('loop <gate> arrival|passage on|off');
  }
  gateArg(gateNo, context.gates).board.loops.vehicleOver(which, state === 'on');
  context.print(`gate ${gateNo}: ${which} loop ${state === 'on' ? 'occupied' : 'clear'}`);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function status(gate: GateDevices): string {
  const { device, barrier, loops, pins } = gate.board;
  const arm = `arm ${barrier.position}${barrier.isJammed ? ' (jammed)' : ''} ${Math.round(barrier.raised * 100)}% up`;
  const relay = `relay ${device.digitalValue(pins.relay) ? 'on' : 'off'}`;
  const loopText = (name: 'arrival' | 'passage') => `${name} ${loops.isPresent(name) ? 'occupied' : 'clear'}`;
  const links = [
    `board ${device.connected ? 'connected' : 'waiting'}`,
    `camera ${plural(gate.camera.server.clients(), 'client')}`,
    `rfid ${plural(gate.rfid.server.clients(), 'client')}`,
  ];
  return `${arm}, ${relay}, ${loopText('arrival')}, ${loopText('passage')}; ${links.join(', ')}`;
}

/**
 * A car at a gate, played on the emulated devices: loops, camera or RFID reader, and the arm. What
 * the car sees is only what the hardware does (the relay pin, the arm's position); what the cloud
 * decided is read from its domain events.
 */

import { type GateDevices, LOOP_DEBOUNCE_MS } from '../cli/devices.js';
import type { BarrierModel } from '../firmata/barrier-model.js';
import type { PinBank } from '../firmata/device.js';
import type { LoopDetectors } from '../firmata/loop-detectors.js';

export interface GateHardware {
  device: PinBank;
  barrier: BarrierModel;
  loops: LoopDetectors<'arrival' | 'passage'>;
  relayPin: number;
  /** How long the agent debounces the arrival loop: when, after the car rolls on, it is confirmed. */
  arrivalDebounceMs: number;
  readPlate(plate: string): void;
  presentTag(tag: string): void;
}

/** The gate a car drives up to, on a gate's emulated devices. */
export function gateHardware(devices: GateDevices): GateHardware {
  return {
    device: devices.board.device,
    barrier: devices.board.barrier,
    loops: devices.board.loops,
    relayPin: devices.board.pins.relay,
    arrivalDebounceMs: LOOP_DEBOUNCE_MS,
    readPlate: (plate) => devices.camera.camera.read(plate),
    presentTag: (tag) => devices.rfid.emulator.present(tag),
  };
}

export type Credential = { kind: 'plate'; value: string } | { kind: 'rfid'; value: string };

/** Resolves when `condition` holds, polling every 5 ms; false after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

export interface Approach {
  /** The relay was driven to raise the arm within the decision time. */
  opened: boolean;
  /** From the read to the relay going up, in ms. */
  readToOpenMs: number | null;
  /**
   * What the driver waits: from the later of the read and the car's confirmed arrival (the loop's
   * debounce after it rolled on) to the relay going up, in ms.
   */
  decisionMs: number | null;
  /** True once the relay has gone up at any time since the read (a refused car checks it later). */
  openedSince(): boolean;
  /** Stops watching the relay. */
  done(): void;
}

/** A gate that is not in the state a car expects: the scenario stops, this is never an outcome. */
export class GateMisbehaved extends Error {
  override name = 'GateMisbehaved';
}

/** Drives up, is read, and waits up to `decisionMs` for the arm to be commanded up. */
export async function approach(
  gate: GateHardware,
  credential: Credential,
  decisionMs: number,
): Promise<Approach> {
  // A car only ever arrives at a shut gate: an arm left up would let anyone in.
  if (!(await waitUntil(() => gate.barrier.position === 'closed', 10_000))) {
    throw new GateMisbehaved(`the arm is ${gate.barrier.position} when the next car arrives`);
  }
  if (gate.device.digitalValue(gate.relayPin))
    throw new GateMisbehaved('the relay is still driven with the arm down');
  let openedAt: number | null = null;
  const off = gate.device.onOutput(gate.relayPin, (high) => {
    if (high && openedAt === null) openedAt = performance.now();
  });
  gate.loops.vehicleOver('arrival', true);
  const confirmedAt = performance.now() + gate.arrivalDebounceMs;
  const readAt = performance.now();
  if (credential.kind === 'plate') gate.readPlate(credential.value);
  else gate.presentTag(credential.value);
  await waitUntil(() => openedAt !== null, decisionMs);
  const opened = openedAt !== null;
  return {
    opened,
    readToOpenMs: openedAt === null ? null : openedAt - readAt,
    decisionMs: openedAt === null ? null : Math.max(0, openedAt - Math.max(readAt, confirmedAt)),
    openedSince: () => openedAt !== null,
    done: off,
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long a car takes to roll over a loop: well past the detectors' debounce (50 ms by default). */
const CROSSING_MS = 250;

/** The car drives under the raised arm and on; `tailgater` follows it under before the arm is down. */
export async function driveThrough(gate: GateHardware, options: { tailgater?: boolean } = {}): Promise<void> {
  if (!(await waitUntil(() => gate.barrier.position === 'open', 10_000))) {
    throw new GateMisbehaved(`the arm was commanded up but is ${gate.barrier.position}`);
  }
  gate.loops.vehicleOver('passage', true);
  await pause(CROSSING_MS);
  gate.loops.vehicleOver('arrival', false);
  await pause(CROSSING_MS);
  gate.loops.vehicleOver('passage', false);
  if (options.tailgater) {
    // Nose to tail: the second car is under the arm before it is down.
    await pause(CROSSING_MS / 2);
    gate.loops.vehicleOver('passage', true);
    await pause(CROSSING_MS * 2);
    gate.loops.vehicleOver('passage', false);
  }
}

/** A refused car backs away from the gate, and takes a moment to clear the loop. */
export async function backAway(gate: GateHardware): Promise<void> {
  gate.loops.vehicleOver('arrival', false);
  await pause(CROSSING_MS);
}

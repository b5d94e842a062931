/**
 * A car driven through a gate on its emulated hardware, for a person at the simulator's prompt: it
 * stops over the arrival loop, is read by the camera, waits for the arm, drives under it and on.
 * What happens in between (the edge agent asking the cloud) is only seen through the arm.
 */
import type { ArmPosition, BarrierModel } from '../firmata/barrier-model.js';
import type { GateDevices } from './devices.js';

export interface CarTiming {
  /** How long the car waits for the arm to start moving. Default 10 s. */
  decisionMs?: number;
  /** Time over each loop while driving through. Default 400 ms. */
  dwellMs?: number;
  /** How long to wait for the arm to come down behind the car before giving up watching. Default 15 s. */
  closeWaitMs?: number;
}

export interface CarResult {
  /** The arm started to rise; false: the car backed away. */
  admitted: boolean;
  /** From the camera read to the arm moving, in ms. */
  readToMoveMs: number | null;
}

/** Resolves true when the arm is in one of `positions`, false after `timeoutMs`. */
export function waitForArm(
  barrier: BarrierModel,
  positions: ArmPosition[],
  timeoutMs: number,
): Promise<boolean> {
  if (positions.includes(barrier.position)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const off = barrier.onPosition((position) => {
      if (!positions.includes(position)) return;
      clearTimeout(timer);
      off();
      resolve(true);
    });
    const timer = setTimeout(() => {
      off();
      resolve(false);
    }, timeoutMs);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function driveCar(
  gate: GateDevices,
  plate: string,
  print: (line: string) => void,
  options: { confidence?: number; timing?: CarTiming } = {},
): Promise<CarResult> {
  const { decisionMs = 10_000, dwellMs = 400, closeWaitMs = 15_000 } = options.timing ?? {};
  const { barrier, loops } = gate.board;
  loops.vehicleOver('arrival', true);
  const readAt = performance.now();
  const read = gate.camera.camera.read(
    plate,
    options.confidence === undefined ? {} : { confidence: options.confidence },
  );
  print(`${read.plate} on the arrival loop, read at confidence ${read.confidence}`);
  const moved = await waitForArm(barrier, ['opening', 'open'], decisionMs);
  if (!moved) {
    print(
      `${plate}: the arm did not move within ${decisionMs} ms (denied, or no edge agent connected); backing away`,
    );
    loops.vehicleOver('arrival', false);
    return { admitted: false, readToMoveMs: null };
  }
  const readToMoveMs = Math.round(performance.now() - readAt);
  print(`${plate}: arm moving ${readToMoveMs} ms after the read`);
  if (!(await waitForArm(barrier, ['open'], decisionMs))) {
    print(`${plate}: the arm never got fully up; the car waits on the arrival loop`);
    return { admitted: true, readToMoveMs };
  }
  loops.vehicleOver('passage', true);
  await sleep(dwellMs);
  loops.vehicleOver('arrival', false);
  await sleep(dwellMs);
  loops.vehicleOver('passage', false);
  print(`${plate}: drove through`);
  const closedAt = performance.now();
  if (await waitForArm(barrier, ['closed'], closeWaitMs)) {
    print(
      `${plate}: arm down again ${Math.round(performance.now() - closedAt)} ms after the car left the loops`,
    );
  } else {
    print(`${plate}: the arm is still ${barrier.position} ${closeWaitMs} ms after the car left`);
  }
  return { admitted: true, readToMoveMs };
}

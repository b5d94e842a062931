/**
 * One gate's worth of emulated hardware, listening on TCP as ser2net would serve the real devices:
 *
 * - a Firmata board (an Uno running StandardFirmata) with the barrier controller on its relay pin and
 *   closed-limit switch, and the two loop detectors on input pins;
 * - an ANPR camera and an RDM6300 reader, each on its own TCP port and, with `pty`, also on a
 *   pseudo-terminal the edge agent can open as a serial device.
 *
 * The returned GateDevices is what scenarios drive:
 *
 *     board.device   FirmataDevice        the board (pins, connection state)
 *     board.barrier  BarrierModel         the arm: position, onPosition, jam()
 *     board.loops    LoopDetectors        vehicleOver('arrival' | 'passage', present)
 *     board.server   FirmataTcpServer     host, port, busy, close()
 *     board.path     'tcp://host:port'    for the edge agent's board.path
 *     board.pins     GatePins             relay, closedLimit, arrival, passage
 *     camera.camera  AnprCamera           read(plate, …), garbage()
 *     camera.server  ByteServer           clients(), waitForClient()
 *     camera.path    'tcp://host:port'    for plateReader.path
 *     camera.pty?    PtyPair              with `pty`; camera.ptyPath = its appPath
 *     rfid.emulator  Rdm6300Emulator      present(tag, …), noise()
 *     rfid.server / rfid.path / rfid.pty? / rfid.ptyPath?   as for the camera
 *     addresses      GateAddresses        the above as plain JSON, plus an edge config fragment
 *     close()        stops everything (idempotent)
 */
import { AnprCamera, type AnprCameraOptions } from '../camera/anpr-camera.js';
import { BarrierModel } from '../firmata/barrier-model.js';
import type { SimClock } from '../firmata/clock.js';
import { FirmataDevice, type FirmataDeviceOptions } from '../firmata/device.js';
import { LoopDetectors } from '../firmata/loop-detectors.js';
import { type FirmataTcpServer, serveOverTcp } from '../firmata/tcp.js';
import { EmulatedGpioChip, type GpioTcpServer, serveGpioOverTcp } from '../gpio/chip.js';
import { Rdm6300Emulator, type Rdm6300Options } from '../rfid/rdm6300.js';
import { type ByteServer, serveBytesOverTcp, tcpUrl } from '../serial/byte-server.js';
import { isPtyAvailable, openPtyPair, type PtyPair } from '../serial/pty.js';
import { fanOut } from '../serial/sink.js';

export interface GatePins {
  /** OUTPUT; HIGH energises the relay and the arm rises ('hold' mode). */
  relay: number;
  /** INPUT; HIGH while the arm is fully down. */
  closedLimit: number;
  /** INPUT; HIGH while a vehicle is over the loop before the arm. */
  arrival: number;
  /** INPUT; HIGH while a vehicle is over the loop under/after the arm. */
  passage: number;
}

export const DEFAULT_GATE_PINS: Readonly<GatePins> = { relay: 8, closedLimit: 7, arrival: 2, passage: 3 };

export interface GateDevicesOptions {
  /** Interface to listen on. Default '127.0.0.1'. */
  host?: string;
  /** Fixed ports; 0 (default) picks free ones. */
  ports?: { board?: number; camera?: number; rfid?: number };
  /** Also expose the camera and the reader on pty pairs. Needs socat (throws without it). Default false. */
  pty?: boolean;
  pins?: Partial<GatePins>;
  /** Arm travel times. Default 1500 ms each. */
  openTimeMs?: number;
  closeTimeMs?: number;
  board?: FirmataDeviceOptions;
  /**
   * 'gpio': the barrier and the loops on an emulated GPIO chip (served on TCP, for an agent with
   * board.kind gpio) instead of a Firmata board. Default 'firmata'.
   */
  kind?: 'firmata' | 'gpio';
  camera?: AnprCameraOptions;
  rfid?: Rdm6300Options;
  /** Shared by the barrier, the board and the serial devices unless their own options set one. */
  clock?: SimClock;
}

export interface EmulatedSerialDevice {
  server: ByteServer;
  /** `tcp://host:port`. */
  path: string;
  pty?: PtyPair;
  /** The pty end for the edge agent to open, when `pty` was asked for. */
  ptyPath?: string;
}

/** Where to reach a gate's devices, as plain JSON. */
export interface GateAddresses {
  board: { path: string; pins: GatePins };
  camera: { path: string; ptyPath?: string };
  rfid: { path: string; ptyPath?: string };
  /** The matching part of an edge agent's config (TCP paths), to merge into its gate config. */
  edgeConfig: Record<string, unknown>;
}

export interface GateDevices {
  board: {
    /** The Firmata board, or the GPIO chip (kind gpio). */
    device: FirmataDevice | EmulatedGpioChip;
    barrier: BarrierModel;
    loops: LoopDetectors<'arrival' | 'passage'>;
    server: FirmataTcpServer | GpioTcpServer;
    path: string;
    pins: GatePins;
  };
  camera: EmulatedSerialDevice & { camera: AnprCamera };
  rfid: EmulatedSerialDevice & { emulator: Rdm6300Emulator };
  addresses: GateAddresses;
  close(): Promise<void>;
}

/** The agents' loop debounce for these devices: a car is confirmed on a loop this long after it rolls on. */
export const LOOP_DEBOUNCE_MS = 50;

export async function startGateDevices(options: GateDevicesOptions = {}): Promise<GateDevices> {
  const host = options.host ?? '127.0.0.1';
  const pins = { ...DEFAULT_GATE_PINS, ...options.pins };
  const openTimeMs = options.openTimeMs ?? 1500;
  const closeTimeMs = options.closeTimeMs ?? 1500;
  const clock = options.clock;
  if (options.pty && !isPtyAvailable())
    throw new Error('pty devices need socat on PATH (apt-get install socat)');

  // Everything started so far, stopped in reverse if a later step fails (a port in use, socat dying).
  const stops: (() => unknown)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch {
        // One device failing to stop must not leave the others running.
      }
    }
  };
  try {
    const gpio = options.kind === 'gpio' ? new EmulatedGpioChip() : null;
    const device: FirmataDevice | EmulatedGpioChip =
      gpio ?? new FirmataDevice({ ...(clock ? { clock } : {}), ...options.board });
    const barrier = new BarrierModel(device, {
      relayPin: pins.relay,
      closedLimitPin: pins.closedLimit,
      openTimeMs,
      closeTimeMs,
      ...(clock ? { clock } : {}),
    });
    stops.push(() => barrier.dispose());
    const loops = new LoopDetectors(device, { arrival: pins.arrival, passage: pins.passage });
    // 'replace': an agent that reconnects after a dead link gets the board back at once.
    const boardServer = gpio
      ? await serveGpioOverTcp(gpio, options.ports?.board ?? 0, host)
      : await serveOverTcp(() => device as FirmataDevice, options.ports?.board ?? 0, {
          host,
          whenBusy: 'replace',
        });
    stops.push(() => boardServer.close());

    const serial = async (port: number | undefined): Promise<EmulatedSerialDevice> => {
      const server = await serveBytesOverTcp({ host, port: port ?? 0 });
      stops.push(() => server.close());
      const pty = options.pty ? await openPtyPair() : undefined;
      if (pty) stops.push(() => pty.close());
      return { server, path: server.url, ...(pty ? { pty, ptyPath: pty.appPath } : {}) };
    };
    const cameraOut = await serial(options.ports?.camera);
    const camera = new AnprCamera(fanOut(cameraOut.server, ...(cameraOut.pty ? [cameraOut.pty] : [])), {
      ...(clock ? { clock } : {}),
      ...options.camera,
    });
    stops.push(() => camera.dispose());
    const rfidOut = await serial(options.ports?.rfid);
    const emulator = new Rdm6300Emulator(fanOut(rfidOut.server, ...(rfidOut.pty ? [rfidOut.pty] : [])), {
      ...(clock ? { clock } : {}),
      ...options.rfid,
    });
    stops.push(() => emulator.dispose());

    const boardPath = tcpUrl(host, boardServer.port);
    const addresses: GateAddresses = {
      board: { path: boardPath, pins },
      camera: { path: cameraOut.path, ...(cameraOut.ptyPath ? { ptyPath: cameraOut.ptyPath } : {}) },
      rfid: { path: rfidOut.path, ...(rfidOut.ptyPath ? { ptyPath: rfidOut.ptyPath } : {}) },
      edgeConfig: {
        plateReader: { path: cameraOut.path },
        rfidReader: { path: rfidOut.path },
        board: {
          ...(gpio ? { kind: 'gpio', chip: boardPath } : { path: boardPath }),
          barrier: {
            relayPin: pins.relay,
            mode: 'hold',
            limitSwitchPin: pins.closedLimit,
            openTimeMs,
            closeTimeMs,
          },
          loops: {
            arrival: { pin: pins.arrival, debounceMs: LOOP_DEBOUNCE_MS },
            passage: { pin: pins.passage, debounceMs: LOOP_DEBOUNCE_MS },
          },
        },
      },
    };
    let closing: Promise<void> | null = null;
    return {
      board: { device, barrier, loops, server: boardServer, path: boardPath, pins },
      camera: { ...cameraOut, camera },
      rfid: { ...rfidOut, emulator },
      addresses,
      close: () => {
        closing ??= stopAll();
        return closing;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

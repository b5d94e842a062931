/**
 * Opens a gate's real devices from its configuration: the ANPR camera and the RFID reader on serial
 * links (a device path, or tcp://host:port for ser2net), and the barrier and loop detectors on a
 * Firmata board through johnny-five, or on the agent's own GPIO lines (board.kind gpio). Either way
 * the barrier and the loops are the same drivers over DigitalPins.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '@parkinglot/platform/log';
import type { Clock } from '@parkinglot/platform/time';
import { SerialPort } from 'serialport';
import type { EdgeConfig } from '../config/schema.js';
import type { BarrierPins } from './firmata/barrier.js';
import { FirmataBarrier, FirmataLoopDetector, openFirmataBoard } from './firmata/index.js';
import type { GpioBinding } from './gpio/binding.js';
import { GpiodToolsBinding } from './gpio/gpiod-tools.js';
import { GpioPins } from './gpio/pins.js';
import { TcpGpioBinding } from './gpio/tcp.js';
import type { Hardware } from './hardware.js';
import { AnprCameraReader, parseTcpPath, Rdm6300Reader } from './serial/index.js';

/** The byte stream to the Firmata board; rejects with one line naming the path and the cause. */
export function openBoardStream(path: string, baudRate: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => reject(new Error(`board ${path}: ${error.message}`));
    const tcp = parseTcpPath(path);
    if (tcp) {
      const socket = net.connect({ host: tcp.host, port: tcp.port });
      socket.setNoDelay(true);
      socket.once('error', fail);
      socket.once('connect', () => {
        socket.off('error', fail);
        resolve(socket);
      });
      return;
    }
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    port.open((error) => (error ? fail(error) : resolve(port)));
  });
}

/** The pins the barrier and the loops are driven through, and how to let them go. */
async function openPins(
  config: EdgeConfig,
  deps: { log: Logger; clock: Clock; gpio?: GpioBinding },
): Promise<BarrierPins & { close(): Promise<void> }> {
  const { board: b } = config;
  if (b.kind === 'gpio') {
    const binding =
      deps.gpio ?? (b.chip.startsWith('tcp://') ? new TcpGpioBinding() : new GpiodToolsBinding());
    const chip = await binding.open(b.chip);
    chip.onLost((why) => deps.log.error(`GPIO chip ${chip.name} lost: ${why.message}`));
    deps.log.info(`GPIO chip ${chip.name} open`);
    return new GpioPins(chip);
  }
  const path = b.path!;
  const stream = await openBoardStream(path, b.baudRate);
  const board = await openFirmataBoard({
    transport: stream,
    timeoutMs: b.readyTimeoutMs,
    log: deps.log.child('board'),
    timers: deps.clock,
  });
  deps.log.info(`board ready on ${path}: ${board.firmware}, ${board.pinCount} pins`);
  return board;
}

export async function openHardware(
  config: EdgeConfig,
  deps: { log: Logger; clock: Clock; onBoardLost: () => void; gpio?: GpioBinding },
): Promise<Hardware> {
  const { log, clock } = deps;
  const { board: b } = config;
  const board = await openPins(config, deps);
  board.onDisconnect?.(deps.onBoardLost);
  const barrier = new FirmataBarrier(board, {
    relayPin: b.barrier.relayPin,
    activeHigh: b.barrier.activeHigh,
    mode: b.barrier.mode,
    pulseMs: b.barrier.pulseMs,
    ...(b.barrier.closeRelayPin !== undefined ? { closeRelayPin: b.barrier.closeRelayPin } : {}),
    ...(b.barrier.limitSwitchPin !== undefined
      ? {
          closedLimit: {
            pin: b.barrier.limitSwitchPin,
            activeHigh: b.barrier.limitActiveHigh,
            pullUp: b.barrier.limitPullUp,
            debounceMs: b.barrier.limitDebounceMs,
          },
        }
      : {}),
    openTimeMs: b.barrier.openTimeMs,
    closeTimeMs: b.barrier.closeTimeMs,
    timers: clock,
    log: log.child('barrier'),
  });
  const loop = (o: { pin: number; activeHigh: boolean; pullUp: boolean; debounceMs: number } | undefined) =>
    o ? new FirmataLoopDetector(board, { ...o, timers: clock }) : undefined;
  const arrival = loop(b.loops.arrival);
  const passage = loop(b.loops.passage);
  const plates = config.plateReader
    ? new AnprCameraReader({
        source: { path: config.plateReader.path, baudRate: config.plateReader.baudRate },
        logger: log.child('anpr'),
        clock,
        minConfidence: config.plateReader.minConfidence,
        duplicateWindowMs: config.plateReader.duplicateWindowMs,
      })
    : undefined;
  const tags = config.rfidReader
    ? new Rdm6300Reader({
        source: { path: config.rfidReader.path, baudRate: config.rfidReader.baudRate },
        logger: log.child('rfid'),
        clock,
        duplicateWindowMs: config.rfidReader.duplicateWindowMs,
      })
    : undefined;
  return {
    barrier,
    ...(arrival ? { arrival } : {}),
    ...(passage ? { passage } : {}),
    ...(plates ? { plates } : {}),
    ...(tags ? { tags } : {}),
    close: () => board.close(),
  };
}

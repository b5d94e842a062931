/**
 * One gate's hardware emulated by firmware-sim and served over TCP, as ser2net serves real devices:
 * a Firmata board with a barrier (relay, closed-limit switch) and two loop detectors, and an ANPR
 * camera that sends plate lines. An agent process connects to them as it would to real hardware.
 */
import net from 'node:net';
import {
  BarrierModel,
  FirmataDevice,
  type FirmataTcpServer,
  LoopDetectors,
  serveOverTcp,
} from '@parkinglot/firmware-sim';
import { encodeAnprLine } from '@parkinglot/shared';
import { until } from './support.js';

export const PINS = { relay: 8, closedLimit: 7, arrival: 2, passage: 3 } as const;

export interface SimGate {
  boardPath: string;
  cameraPath: string;
  barrier: BarrierModel;
  loops: LoopDetectors<'arrival' | 'passage'>;
  cameraClients(): number;
  /** A car drives up, the camera reads it, and it drives through once the arm is up. */
  car(plate: string): Promise<void>;
  close(): Promise<void>;
}

export async function startSimGate(): Promise<SimGate> {
  const device = new FirmataDevice();
  const barrier = new BarrierModel(device, {
    relayPin: PINS.relay,
    closedLimitPin: PINS.closedLimit,
    openTimeMs: 100,
    closeTimeMs: 100,
  });
  const loops = new LoopDetectors(device, { arrival: PINS.arrival, passage: PINS.passage });
  const board: FirmataTcpServer = await serveOverTcp(() => device, 0, { whenBusy: 'replace' });

  const clients = new Set<net.Socket>();
  const camera = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    clients.add(socket);
    socket.on('close', () => clients.delete(socket));
  });
  await new Promise<void>((resolve) => camera.listen(0, '127.0.0.1', resolve));
  const cameraPort = (camera.address() as net.AddressInfo).port;

  return {
    boardPath: `tcp://127.0.0.1:${board.port}`,
    cameraPath: `tcp://127.0.0.1:${cameraPort}`,
    barrier,
    loops,
    cameraClients: () => clients.size,
    async car(plate) {
      await until(() => barrier.position === 'closed');
      loops.vehicleOver('arrival', true);
      for (const socket of clients) socket.write(encodeAnprLine(plate, 0.97));
      await until(() => barrier.position === 'open');
      loops.vehicleOver('passage', true);
      loops.vehicleOver('arrival', false);
      loops.vehicleOver('passage', false);
      // The agent commits the event to its outbox before it lowers the arm.
      await until(() => barrier.position === 'closed');
    },
    async close() {
      for (const socket of clients) socket.destroy();
      await new Promise<void>((resolve) => camera.close(() => resolve()));
      await board.close();
      barrier.dispose();
    },
  };
}

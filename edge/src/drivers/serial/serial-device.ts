/** A local serial device (/dev/ttyUSB0, COM3) opened through serialport 13. */
import { SerialPort, type SerialPortMock } from 'serialport';
import { type Connection, type ConnectionEvents, once } from './connection.js';
import type { SerialLogger } from './types.js';

/**
 * A serialport binding: bindings-cpp's autoDetect() (serialport's default) in production,
 * `MockBinding` from @serialport/binding-mock in tests.
 */
export type SerialBinding = typeof SerialPort.binding | typeof SerialPortMock.binding;

export interface SerialDeviceOptions {
  path: string;
  baudRate: number;
  binding?: SerialBinding;
}

export async function connectSerialDevice(
  options: SerialDeviceOptions,
  events: ConnectionEvents,
  logger: SerialLogger,
): Promise<Connection> {
  const { path, baudRate, binding } = options;
  // SerialPort spreads our options over its autoDetect() default, so `binding` replaces it; its
  // typings omit the key only because they pin the binding type to bindings-cpp.
  const settings = { path, baudRate, autoOpen: false, ...(binding ? { binding } : {}) };
  const port = new SerialPort(settings as ConstructorParameters<typeof SerialPort>[0]);
  const end = once(events);
  // An 'error' event with no listener would be thrown by EventEmitter and take the agent down.
  port.on('error', (error: Error) => logger.warn(() => `serial ${path}: ${error.message}`));

  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));

  port.on('data', (chunk: Buffer) => events.data(chunk));
  // serialport emits 'close' with a DisconnectedError when a read fails (USB adapter unplugged).
  port.on('close', (error: Error | null) => end.lost(error ?? undefined));
  // A zero-byte read ends the readable side while the port stays "open": no more data would ever
  // arrive, so treat it as a loss and let the reconnect loop open a fresh port.
  port.on('end', () => {
    end.lost(new Error('serial stream ended'));
    if (port.isOpen) port.close();
  });

  return {
    close: async () => {
      end.silence();
      if (!port.isOpen) return;
      await new Promise<void>((resolve, reject) =>
        port.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

/** One attempt at a device link, as the reconnect loop in transport.ts sees it. */

export interface ConnectionEvents {
  data(chunk: Uint8Array): void;
  /** The device went away (cable pulled, peer closed). Called at most once, never after close(). */
  lost(error?: Error): void;
}

export interface Connection {
  close(): Promise<void>;
}

/** Resolves once the device is open; rejects if it cannot be opened. Never emits before resolving. */
export type Connector = (events: ConnectionEvents) => Promise<Connection>;

/** Funnels the several ways a stream can die ('close', 'end', 'error') into one `lost` call. */
export function once(events: ConnectionEvents): { lost: (error?: Error) => void; silence: () => void } {
  let done = false;
  return {
    lost: (error) => {
      if (done) return;
      done = true;
      events.lost(error);
    },
    silence: () => {
      done = true;
    },
  };
}

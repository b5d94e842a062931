/**
 * Where an emulated serial device's output goes. The emulators only ever write, so their whole
 * wiring is a function taking bytes: a ByteServer, a pty pair, several of them, or a test's array.
 */
export type ByteSink = (bytes: Buffer) => void;

/** A ByteSink, or anything with a `write(bytes)` method (ByteServer, PtyPair, a Writable). */
export type ByteOutput = ByteSink | { write(bytes: Buffer): unknown };

export function toSink(output: ByteOutput): ByteSink {
  if (typeof output === 'function') return output;
  return (bytes) => {
    output.write(bytes);
  };
}

/** One sink feeding several outputs, as a device whose TX line is tapped (TCP and a pty at once). */
export function fanOut(...outputs: ByteOutput[]): ByteSink {
  const sinks = outputs.map(toSink);
  return (bytes) => {
    for (const sink of sinks) sink(bytes);
  };
}

/** A sink collecting everything written, for tests and for checking what a scenario sent. */
export function collectingSink(): { sink: ByteSink; bytes: () => Buffer; clear: () => void } {
  const chunks: Buffer[] = [];
  return {
    sink: (bytes) => {
      chunks.push(Buffer.from(bytes));
    },
    bytes: () => Buffer.concat(chunks),
    clear: () => {
      chunks.length = 0;
    },
  };
}

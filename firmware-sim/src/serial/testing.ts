/**
 * Test helpers: the edge agent's own parsers (so the emulators' bytes are checked against what will
 * read them, not against a copy of the grammar), and waiting on real sockets.
 */
import net from 'node:net';

export type AnprLine = { ok: true; plate: string; confidence: number } | { ok: false; error: string };
export type Rdm6300Frame = { ok: true; tag: string } | { ok: false; error: string };

interface EdgeSerial {
  parseAnprLine(line: string): AnprLine;
  Rdm6300Decoder: new (onFrame: (frame: Rdm6300Frame) => void) => { push(chunk: Uint8Array): void };
}

// Loaded at run time from the edge workspace's sources: a static import would put edge files into
// this package's type check (outside its rootDir) and make firmware-sim depend on the edge.
const edgeSerial = (file: string) =>
  new URL(`../../../edge/src/drivers/serial/${file}`, import.meta.url).href;
const edge = {
  ...((await import(edgeSerial('anpr.js'))) as Pick<EdgeSerial, 'parseAnprLine'>),
  ...((await import(edgeSerial('rdm6300-frame.js'))) as Pick<EdgeSerial, 'Rdm6300Decoder'>),
};

/**
 * The camera lines in `bytes`, parsed by the edge's parseAnprLine. Every line must end in CRLF
 * (the camera's terminator); a trailing partial line throws.
 */
export function edgeAnprLines(bytes: Uint8Array): AnprLine[] {
  const text = Buffer.from(bytes).toString('utf8');
  if (text !== '' && !text.endsWith('\r\n')) throw new Error(`unterminated line in ${JSON.stringify(text)}`);
  return text
    .split('\r\n')
    .slice(0, -1)
    .map((line) => {
      if (line.includes('\n') || line.includes('\r'))
        throw new Error(`stray CR/LF in ${JSON.stringify(line)}`);
      return edge.parseAnprLine(line);
    });
}

/** The RDM6300 frames in `bytes`, as the edge's Rdm6300Decoder reports them (noise skipped). */
export function edgeRdm6300Frames(...chunks: Uint8Array[]): Rdm6300Frame[] {
  const frames: Rdm6300Frame[] = [];
  const decoder = new edge.Rdm6300Decoder((frame) => frames.push(frame));
  for (const chunk of chunks) decoder.push(chunk);
  return frames;
}

export async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface Dialled {
  socket: net.Socket;
  received(): Buffer;
  closed: Promise<void>;
}

/** A raw TCP client collecting every byte it receives. */
export function dial(port: number, host = '127.0.0.1'): Promise<Dialled> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, host, () => resolve({ socket, received, closed }));
    const received = () => Buffer.concat(chunks);
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
  });
}

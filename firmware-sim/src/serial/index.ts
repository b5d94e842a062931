/** Plumbing for the talk-only serial devices: where their bytes go (TCP like ser2net, a pty pair) and their fault dice. */
export { type ByteServer, type ByteServerOptions, serveBytesOverTcp, tcpUrl } from './byte-server.js';
export { isPtyAvailable, openPtyPair, type PtyOptions, type PtyPair } from './pty.js';
export { chance, mulberry32, pick, type Random } from './random.js';
export { Repeats } from './repeats.js';
export { type ByteOutput, type ByteSink, collectingSink, fanOut, toSink } from './sink.js';

/**
 * The embedded MQTT 3.1.1 broker: aedes behind a plain TCP server. Authentication and the ACL live
 * in broker-hooks.ts / acl.ts; this file owns the sockets and the lifecycle.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '@parkinglot/platform/log';
import { MAX_EVENTS_PAYLOAD_BYTES } from '@parkinglot/shared';
import { Aedes, type Client } from 'aedes';
import {
  type Authenticate,
  type BrokerStats,
  createBrokerHooks,
  newStats,
  principalOf,
} from './broker-hooks.js';
import { MAX_CONNECT_BYTES, PacketSizeGuard } from './packet-guard.js';

export type { Principal } from './acl.js';
export type { Authenticate, BrokerStats } from './broker-hooks.js';
export { principalOf } from './broker-hooks.js';

export interface EmbeddedBrokerOptions {
  /** Interface to listen on; default '0.0.0.0'. */
  host?: string;
  /** TCP port; 0 picks a free one (read it back from EmbeddedBroker.port). */
  port: number;
  authenticate: Authenticate;
  log: Logger;
  /** A TLS listener beside the plain one (gates across the internet connect with mqtts://). */
  tls?: BrokerTls;
}

export interface BrokerTls {
  /** TCP port for MQTT over TLS; 0 picks a free one. */
  port: number;
  /** The broker's certificate chain and private key, PEM. */
  cert: string | Buffer;
  key: string | Buffer;
  /** When set, a client must present a certificate issued by one of these CAs (PEM). */
  clientCa?: string | Buffer;
}

export interface EmbeddedBroker {
  readonly port: number;
  /** The TLS listener's port, when there is one. */
  readonly tlsPort: number | null;
  readonly host: string;
  readonly aedes: Aedes;
  /** Distinct gate ids with at least one authenticated connection. */
  connectedGates(): number;
  /** Ends the session of the client with this id, if one is connected (its will is published). */
  disconnect(clientId: string): void;
  /** Ends every session of the operator account `name` (an account may have several consoles open). */
  disconnectAccount(name: string): void;
  /** Stops accepting, disconnects every client (their wills are published) and frees the port. */
  close(): Promise<void>;
  /** Live counters of refusals. */
  readonly stats: Readonly<BrokerStats>;
}

/** A listen failure, one line naming the address and the cause; `code` is the system error code. */
export class BrokerListenError extends Error {
  readonly code: string | undefined;
  constructor(host: string, port: number, cause: NodeJS.ErrnoException) {
    super(`MQTT broker cannot listen on ${host}:${port}: ${cause.code ?? 'error'} (${cause.message})`, {
      cause,
    });
    this.name = 'BrokerListenError';
    this.code = cause.code;
  }
}

/**
 * The largest packet after the CONNECT: an `events` batch the cloud reads to name what it rejects
 * (4 × MAX_EVENTS_PAYLOAD_BYTES), with room for its topic. Anything larger closes the connection.
 */
export const MAX_PACKET_BYTES = 4 * MAX_EVENTS_PAYLOAD_BYTES + 4096;

/** Messages in flight before aedes queues: above the number of gates one site runs, with headroom. */
export const BROKER_CONCURRENCY = 100_000;

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(new BrokerListenError(host, port, error));
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

const closeAedes = (aedes: Aedes) => new Promise<void>((resolve) => aedes.close(() => resolve()));

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const host = options.host ?? '0.0.0.0';
  const log = options.log;
  const stats = newStats();
  const aedes = await Aedes.createBroker({
    ...createBrokerHooks(options.authenticate, stats, log),
    // mqemitter queues messages past `concurrency` in flight and releases the queue recursively: with
    // thousands of gates publishing at once the default (100) overflows the stack and kills the
    // process (moscajs/aedes#193, mcollina/mqemitter#204). Room for every gate's burst avoids the queue.
    concurrency: BROKER_CONCURRENCY,
  });

  // Tracked so close() can also end connections that never completed CONNECT (aedes only
  // knows registered clients) and the port is free when close() resolves.
  const sockets = new Set<net.Socket>();
  const accept = (socket: net.Socket) => {
    // Without TCP_NODELAY a request/response over MQTT waits for Nagle + delayed ACK: 44–88 ms
    // instead of ~0.2 ms on loopback. Both ends must set it; MqttConnection does the client side.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // aedes reads with read() on 'readable'; each chunk it reads is also emitted as 'data', here,
    // before it is parsed, so an oversized claim closes the socket before its body is buffered.
    const guard = new PacketSizeGuard({ first: MAX_CONNECT_BYTES, later: MAX_PACKET_BYTES });
    socket.on('data', (chunk: Buffer) => {
      const why = guard.feed(chunk);
      if (!why || socket.destroyed) return;
      stats.oversized++;
      log.warn(`closing MQTT connection from ${socket.remoteAddress}:${socket.remotePort}: ${why}`);
      socket.destroy();
    });
    aedes.handle(socket);
  };
  const server = net.createServer(accept);

  let port: number;
  try {
    port = await listen(server, host, options.port);
  } catch (error) {
    await closeAedes(aedes);
    throw error;
  }
  // After listening, a server error (e.g. EMFILE on accept) is logged, never thrown.
  server.on('error', (error) => log.error(`MQTT server on ${host}:${port} failed`, error));

  let tlsServer: tls.Server | null = null;
  let tlsPort: number | null = null;
  if (options.tls) {
    const { cert, key, clientCa } = options.tls;
    tlsServer = tls.createServer(
      {
        cert,
        key,
        ...(clientCa ? { ca: clientCa, requestCert: true, rejectUnauthorized: true } : {}),
      },
      accept,
    );
    // A failed handshake (an untrusted or missing client certificate, plain MQTT on the TLS port)
    // never reaches aedes: one line, counted.
    // Tracked from the TCP connection on, so close() also ends a handshake that never finishes.
    tlsServer.on('connection', (socket: net.Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    tlsServer.on('tlsClientError', (error, socket) => {
      stats.tlsFailures++;
      log.warn(`TLS handshake from ${socket.remoteAddress ?? '?'} failed: ${error.message}`);
    });
    try {
      tlsPort = await listen(tlsServer, host, options.tls.port);
    } catch (error) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await closeAedes(aedes);
      throw error;
    }
    const t = tlsServer;
    t.on('error', (error) => log.error(`MQTT TLS server on ${host}:${tlsPort} failed`, error));
  }

  const gateClients = new Map<Client, string>();
  aedes.on('client', (client) => {
    const principal = principalOf(client);
    if (principal?.role === 'gate') gateClients.set(client, principal.gateId);
    log.debug(() => `client ${client.id} connected as ${JSON.stringify(principalOf(client))}`);
  });
  aedes.on('clientDisconnect', (client) => {
    gateClients.delete(client);
    log.debug(() => `client ${client.id} disconnected`);
  });
  // Refused publishes surface here too (already counted and logged at warn by the hook).
  aedes.on('clientError', (client, error) => log.debug(() => `client ${client.id}: ${error.message}`));
  aedes.on('connectionError', (_client, error) =>
    log.debug(() => `connection before CONNECT: ${error.message}`),
  );

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const serverClosed = Promise.all(
        [server, tlsServer].map((s) => (s ? new Promise<void>((resolve) => s.close(() => resolve())) : null)),
      );
      await closeAedes(aedes);
      for (const socket of sockets) socket.destroy();
      await serverClosed;
      log.info(`MQTT broker on ${host}:${port} closed`);
    })();
    return closing;
  };

  log.info(`MQTT broker listening on ${host}:${port}${tlsPort === null ? '' : `, TLS on ${tlsPort}`}`);
  return {
    port,
    tlsPort,
    host,
    aedes,
    disconnect: (clientId) => {
      // aedes keeps its registered clients by id; its type declarations do not say so.
      (aedes as unknown as { clients: Record<string, Client | undefined> }).clients[clientId]?.close();
    },
    disconnectAccount: (name) => {
      const clients = (aedes as unknown as { clients: Record<string, Client | undefined> }).clients;
      for (const client of Object.values(clients)) {
        const principal = principalOf(client);
        if (principal?.role === 'operator' && principal.name === name) client?.close();
      }
    },
    stats,
    connectedGates: () => new Set(gateClients.values()).size,
    close,
  };
}

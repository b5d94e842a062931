/**
 * One edge agent: a gate's hardware, its state machine, the durable outbox and the MQTT link to the
 * cloud, wired together. It starts with the cloud unreachable (entries are denied, exits open, events
 * wait in the outbox) and catches up when the link comes back.
 */

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@parkinglot/platform/log';
import { MqttConnection, type TlsSettings } from '@parkinglot/platform/mqtt';
import { type Clock, systemClock } from '@parkinglot/platform/time';
import { topics } from '@parkinglot/shared';
import { OfflineAllowlist, withAllowlist } from './cloud/allowlist.js';
import { CloudAuthorizer } from './cloud/authorizer.js';
import { GateLink } from './cloud/gate-link.js';
import { EdgeConfigError } from './config/load.js';
import type { EdgeConfig } from './config/schema.js';
import type { Hardware } from './drivers/hardware.js';
import { GateController } from './gate/controller.js';
import { OutboxDeliverer } from './outbox/deliverer.js';
import { Outbox } from './outbox/store.js';

export interface Agent {
  controller: GateController;
  outbox: Outbox;
  authorizer: CloudAuthorizer | null;
  deliverer: OutboxDeliverer;
  link: GateLink;
  mqtt: MqttConnection;
  hardware: Hardware;
  /** The offline allowlist, when the configuration turns it on. */
  allowlist: OfflineAllowlist | null;
  stop(): Promise<void>;
}

export interface AgentDeps {
  log: Logger;
  clock?: Clock;
  /** The gate's devices; opened from the configuration by the caller (drivers/hardware.ts). */
  hardware: Hardware;
}

/** The allowlist's public key: its PEM, or the file it is in. */
function readPublicKey(value: string): string {
  if (value.startsWith('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (error) {
    throw new Error(`allowlist.publicKey ${value}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}

/** The PEM files an mqtts:// link names, read at start: a missing one stops the agent with its path. */
function tlsFiles(config: EdgeConfig): { tls?: TlsSettings } {
  const { caFile, certFile, keyFile } = config.mqtt;
  if (!caFile && !certFile) return {};
  const read = (setting: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new EdgeConfigError([
        `mqtt.${setting} ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      ]);
    }
  };
  return {
    tls: {
      ...(caFile ? { ca: read('caFile', caFile) } : {}),
      ...(certFile && keyFile ? { cert: read('certFile', certFile), key: read('keyFile', keyFile) } : {}),
    },
  };
}

export async function startAgent(config: EdgeConfig, deps: AgentDeps): Promise<Agent> {
  const { log, hardware } = deps;
  const clock = deps.clock ?? systemClock;
  const { gateId } = config;
  mkdirSync(config.dataDir, { recursive: true });
  const outbox = await Outbox.open({
    filename: join(config.dataDir, 'outbox.sqlite'),
    clock,
    maxEvents: config.outbox.maxEvents,
    onWriteFailed: (error) =>
      log.error(
        'the outbox could not write an event to disk; it is held in memory and sent from there',
        error,
      ),
  });

  const mqtt = new MqttConnection({
    url: config.mqtt.url,
    ...tlsFiles(config),
    username: config.mqtt.username ?? gateId,
    password: config.mqtt.password,
    clientId: gateId,
    log: log.child('mqtt'),
    reconnectPeriodMs: config.mqtt.reconnectPeriodMs,
    connectTimeoutMs: config.mqtt.connectTimeoutMs,
    keepTrying: true,
    clock,
    // [MQTT-3.1.2-8] the broker says "offline" for us if we vanish without a DISCONNECT.
    will: { topic: topics.availability(gateId), payload: 'offline', retain: true, qos: 1 },
  });

  const authorizer =
    config.direction === 'entry'
      ? new CloudAuthorizer({
          gateId,
          mqtt,
          clock,
          log: log.child('auth'),
          timeoutMs: config.authTimeoutMs,
          breaker: config.breaker,
        })
      : null;
  await authorizer?.start();
  const allowlist =
    authorizer && config.allowlist
      ? await OfflineAllowlist.open({
          gateId,
          publicKey: readPublicKey(config.allowlist.publicKey),
          filename: join(config.dataDir, 'allowlist.sqlite'),
          clock,
          log: log.child('allowlist'),
        })
      : null;
  if (allowlist) {
    await mqtt.subscribe(topics.allowlist(gateId), (_topic, payload) =>
      allowlist.receive(payload).catch((error: unknown) => log.error('could not keep the allowlist', error)),
    );
    // The offline anti-passback holds until the cloud has every offline Started (connected, the
    // outbox empty): a broker blip with the cloud away does not re-arm it.
    const reconciled = () => {
      if (!mqtt.isConnected || outbox.depth > 0) return;
      allowlist
        .linkReturned()
        .catch((error: unknown) => log.error('could not clear the offline admissions', error));
    };
    mqtt.on('connected', reconciled);
    outbox.onDepthChange(reconciled);
  }
  const deliverer = new OutboxDeliverer({
    gateId,
    outbox,
    mqtt,
    clock,
    log: log.child('outbox'),
    ...config.outbox,
  });
  await deliverer.start();

  const controller = new GateController({
    direction: config.direction,
    clock,
    log: log.child('gate'),
    barrier: hardware.barrier,
    ...(hardware.arrival ? { arrival: hardware.arrival } : {}),
    ...(hardware.passage ? { passage: hardware.passage } : {}),
    ...(hardware.plates ? { plates: hardware.plates } : {}),
    ...(hardware.tags ? { tags: hardware.tags } : {}),
    ...(authorizer
      ? { authorizer: allowlist ? withAllowlist(authorizer, allowlist, log.child('allowlist')) : authorizer }
      : {}),
    recorder: outbox,
    timing: config.timing,
    exitOpensWithoutCredential: config.exitOpensWithoutCredential,
    askAtRead: config.askAtRead,
    minPlateConfidence: config.plateReader?.minConfidence ?? 0,
  });
  controller.start();

  const readers = [hardware.plates, hardware.tags].filter((r) => r !== undefined);
  const link = new GateLink({
    gateId,
    mqtt,
    controller,
    clock,
    log: log.child('link'),
    heartbeatMs: config.stateHeartbeatMs,
    extraState: () => ({
      outboxDepth: outbox.depth,
      cloudLink: !mqtt.isConnected ? 'down' : authorizer?.breaker.state === 'open' ? 'degraded' : 'up',
      readers: readers.map((r) => ({ connected: r.connected, ...r.stats })),
    }),
    extraAlarms: () => [
      ...(outbox.full ? ['outbox_full'] : []),
      ...(outbox.unwritten > 0 ? ['outbox_write_failed'] : []),
      ...(readers.some((r) => !r.connected) ? ['reader_disconnected'] : []),
    ],
  });
  await link.start();
  outbox.onDepthChange(() => link.publishState());
  mqtt.on('connected', () => {
    log.info(`connected to ${config.mqtt.url}`);
    link.announce();
    deliverer.kick();
  });
  mqtt.on('disconnected', () => link.publishState());
  mqtt.start().catch((error: Error) => {
    // Not fatal: the gate runs offline (entries denied, exits open, events kept) and keeps retrying.
    log.warn(`cloud not reachable yet (${error.message}); running offline and retrying`);
  });
  for (const reader of readers) await reader.start();

  let stopped = false;
  return {
    controller,
    outbox,
    authorizer,
    deliverer,
    link,
    mqtt,
    hardware,
    allowlist,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const reader of readers) await reader.stop().catch((e) => log.warn('reader stop failed', e));
      // Answer what is in flight with a deny first, so the controller drains without opening.
      authorizer?.stop();
      await controller.stop();
      link.stop();
      await deliverer.stop();
      // A clean DISCONNECT discards the will, so say "offline" ourselves first.
      await mqtt
        .publish(topics.availability(gateId), 'offline', { qos: 1, retain: true })
        .catch(() => undefined);
      await mqtt.stop().catch((e) => log.warn('MQTT stop failed', e));
      await hardware.close().catch((e) => log.warn('hardware close failed', e));
      await outbox.close();
      if (outbox.stats.lostAtClose > 0)
        log.error(`stopped with ${outbox.stats.lostAtClose} event(s) the disk never took: they are lost`);
      await allowlist?.close();
    },
  };
}

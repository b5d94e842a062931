/**
 * Composes the cloud: database, broker (embedded or external), the gateway features, the projector,
 * the publisher, hold expiry and the HTTP API. `startCloud` returns once everything listens;
 * `stop` first drains it (readiness says stopping, no new HTTP request or MQTT request is taken,
 * and those in flight are answered), then takes it down in reverse order, the leader's lease with it.
 */
import { accessSync, constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { Logger } from '@parkinglot/platform/log';
import { MqttConnection } from '@parkinglot/platform/mqtt';
import { type Clock, systemClock } from '@parkinglot/platform/time';
import { type Kysely, sql } from 'kysely';
import { provisionExternalBroker, startBroker, stepAside, withoutCredentials } from './broker-setup.js';
import type { ResolvedConfig } from './config/load.js';
import { DEFAULT_HTTP_PORT } from './config/schema.js';
import { WalCheckpointer } from './db/checkpointer.js';
import { DatabaseUnreachable, openDatabase } from './db/database.js';
import { type Lease, SoleLease } from './db/lease.js';
import { AdvisoryLease } from './db/postgres/lease.js';
import { PostgresWakeups } from './db/postgres/notifications.js';
import { AdmissionView } from './domain/admission-view.js';
import { EventBus } from './domain/bus.js';
import type { DomainContext } from './domain/context.js';
import { EventFeed } from './domain/event-feed.js';
import { HoldExpiry } from './domain/hold-expiry.js';
import { ensureFirstAdmin, verifyAccountLogin } from './domain/operators.js';
import { AuthResponder } from './gateway/auth-responder.js';
import { EventIngestor } from './gateway/event-ingestor.js';
import { GateCommander } from './gateway/gate-commander.js';
import { GateDirectory } from './gateway/gate-directory.js';
import { GateStatus } from './gateway/gate-status.js';
import { Intake } from './gateway/intake.js';
import { createHttpApp } from './http/app.js';
import { Stopping } from './http/stopping.js';
import { HomeAssistantDiscovery } from './integrations/home-assistant.js';
import { LeaderWork } from './leader-work.js';
import { CloudMetrics } from './metrics/cloud-metrics.js';
import { metricSources } from './metrics/sources.js';
import type { EmbeddedBroker } from './mqtt/broker.js';
import { EmbeddedAccounts } from './mqtt/broker-accounts.js';
import { AllowlistPublisher } from './projection/allowlist-publisher.js';
import { EventPublisher } from './projection/publisher.js';
import { ScheduleProjector } from './projection/schedule-projector.js';
import { StartupError } from './startup-error.js';
import { listenOnPort } from './util/ports.js';
import { newSecret, sameSecret } from './util/secrets.js';

export interface Cloud {
  httpUrl: string;
  httpPort: number;
  /** Where gates connect. */
  mqttUrl: string;
  mqttPort: number | null;
  /** Where gates connect over TLS, when the embedded broker has a TLS listener. */
  mqttTlsUrl: string | null;
  operatorToken: string;
  /** True when the operator token was generated (and saved under the data directory) on this start. */
  operatorTokenGenerated: boolean;
  ctx: DomainContext;
  /** Which database it runs on. */
  dialect: 'sqlite' | 'postgres';
  /** The cloud's own link to the broker. */
  mqtt: MqttConnection;
  projector: ScheduleProjector;
  publisher: EventPublisher;
  expiry: HoldExpiry;
  /** WAL checkpoints: sqlite only. */
  checkpointer: WalCheckpointer | null;
  /** Who runs the once-only work (projector, publisher, expiry) and whether it is this instance. */
  lease: Lease;
  leaderWork: LeaderWork;
  metrics: CloudMetrics;
  /** What each gate last said of itself (availability, state). */
  gateStatus: GateStatus;
  /** The MQTT requests this instance takes in, and how many are in flight. */
  intake: Intake;
  /** Every route the HTTP app serves (middleware included), as Hono registered it. */
  httpRoutes: { method: string; path: string }[];
  /** Drains, then stops: at most shutdownTimeout's drain share is spent waiting on requests in flight. */
  stop(): Promise<void>;
}

export { StartupError } from './startup-error.js';

function ensureWritable(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new StartupError(
      `PARKING_DATA_DIR ${dir} is not writable (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
}

/** The configured token, else the one saved by an earlier start, else a new one saved for the next. */
function operatorToken(config: ResolvedConfig): { token: string; generated: boolean } {
  if (config.operatorToken) return { token: config.operatorToken, generated: false };
  const file = join(config.dataDir, 'operator-token');
  try {
    const saved = readFileSync(file, 'utf8').trim();
    if (saved.length >= 16) return { token: saved, generated: false };
  } catch {
    // none saved yet
  }
  const token = newSecret();
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, generated: true };
}

function listen(
  app: { fetch: (req: Request) => Response | Promise<Response> },
  host: string,
  port: number,
): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }) as Server;
    server.once('listening', () => resolve(server));
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'EADDRINUSE'
          ? 'is already in use'
          : `cannot be opened (${error.code ?? error.message})`;
      reject(
        Object.assign(new StartupError(`PARKING_HTTP_PORT ${port} on ${host} ${why}`), { code: error.code }),
      );
    });
  });
}

/** How often the feed reads the log of a shared database without a NOTIFY (a lost one costs at most this). */
export const FEED_POLL_MS = 1_000;

export async function startCloud(
  config: ResolvedConfig,
  options: { log: Logger; clock?: Clock },
): Promise<Cloud> {
  const { log } = options;
  const clock = options.clock ?? systemClock;
  const closers: (() => Promise<void>)[] = [];
  // Set once the cloud takes requests: what stop() waits for before it takes anything down.
  let drain: (() => Promise<void>) | null = null;
  const stop = async () => {
    const draining = drain;
    drain = null;
    if (draining) await draining().catch((error) => log.warn('draining failed', error));
    for (const close of closers.splice(0).reverse()) {
      await close().catch((error) => log.warn('shutdown step failed', error));
    }
  };
  try {
    if (config.databaseUrl.startsWith('sqlite:')) ensureWritable(config.dataDir);
    const database = await openDatabase(config.databaseUrl, log.child('db')).catch((error: Error) => {
      throw error instanceof DatabaseUnreachable
        ? new StartupError(`PARKING_DATABASE_URL: ${error.message}`)
        : error;
    });
    closers.push(() => database.close());
    const { token, generated } = operatorToken(config);
    const bus = new EventBus(log.child('bus'));
    // On a shared database the feed also reads what other instances commit: NOTIFY wakes it, and it
    // polls in case a notification was lost.
    const feed = new EventFeed({
      db: database.db,
      bus,
      clock,
      log: log.child('feed'),
      shared: database.shared,
      pollMs: database.shared ? FEED_POLL_MS : 0,
    });
    await feed.start();
    closers.push(() => feed.stop());
    if (database.dialect === 'postgres') {
      const wakeups = new PostgresWakeups({
        url: config.databaseUrl,
        log: log.child('notify'),
        clock,
        onWake: () => feed.wake(),
      });
      await wakeups.start();
      closers.push(() => wakeups.stop());
    }
    const admissions = new AdmissionView({ db: database.db, bus, log: log.child('admissions') });
    await admissions.start();
    closers.push(() => admissions.stop());
    const ctx: DomainContext = {
      db: database.db,
      lanes: database.lanes,
      clock,
      bus,
      log: log.child('domain'),
      settings: { reservationHoldMs: config.reservationHold, admissionWindowMs: config.admissionWindow },
      admissions,
      feed,
    };

    const firstAdmin = { token, account: await ensureFirstAdmin(ctx) };

    const gates = new GateDirectory(database.db);
    await gates.load();
    const unfollowGates = gates.follow(bus);
    closers.push(async () => unfollowGates());

    // The cloud's own MQTT identity on the embedded broker: a secret that lives only in this process.
    const service = { username: 'parkinglot-cloud', password: newSecret() };
    let broker: EmbeddedBroker | null = null;
    let mqttUrl = config.mqttUrl;
    if (!mqttUrl) {
      broker = await startBroker(config, {
        log,
        // Who may log in: the cloud itself, a gate, or an operator account.
        authenticate: async (username, password) => {
          const secret = password?.toString('utf8') ?? '';
          if (username === service.username)
            return sameSecret(secret, service.password) ? { role: 'service' as const } : null;
          if (await gates.verifyLogin(username, secret)) return { role: 'gate' as const, gateId: username };
          const account = await verifyAccountLogin(database.db, username, secret, token);
          return account ? { role: 'operator' as const, name: account.name, level: account.role } : null;
        },
      });
      const b = broker;
      closers.push(() => b.close());
      mqttUrl = `mqtt://127.0.0.1:${broker.port}`;
    }
    // An external broker's credentials travel in PARKING_MQTT_URL (mqtt://user:pass@host).
    const mqtt = new MqttConnection({
      url: mqttUrl,
      clientId: `parkinglot-cloud-${newSecret().slice(0, 8)}`,
      ...(broker ? service : {}),
      log: log.child('mqtt'),
    });
    await mqtt.start();
    closers.push(() => mqtt.stop());
    ctx.brokerAccounts = broker
      ? new EmbeddedAccounts(broker)
      : await provisionExternalBroker(config, {
          mqtt,
          log,
          clock,
          operatorToken: token,
          gateIds: async () => gates.all().map((g) => g.id),
        });

    const metrics = new CloudMetrics();
    const gateStatus = new GateStatus({
      mqtt,
      gates,
      log: log.child('gate-status'),
      now: () => new Date(clock.now()).toISOString(),
      onUnreadable: () => metrics.badReports.inc(),
    });
    await gateStatus.start();
    // Several instances on one external broker share the gates' requests: each goes to one of them.
    // aedes grants $share subscriptions but never delivers to them (aedes#228): one instance there.
    const shareGroup = broker ? null : config.mqttShareGroup === 'none' ? null : config.mqttShareGroup;
    // The requests are taken in through one Intake, which a stopping instance closes.
    const intake = new Intake(mqtt, log.child('intake'));
    const gateway = { ctx, mqtt: intake, gates, metrics, shareGroup };
    await new AuthResponder(gateway).start();
    await new EventIngestor(gateway).start();
    const commander = new GateCommander({
      ctx,
      mqtt,
      requests: intake,
      gates,
      status: gateStatus,
      metrics,
      clock,
      log: log.child('commands'),
      shareGroup,
      timeoutMs: config.commandTimeout,
    });
    await commander.start();
    const homeAssistant = config.haDiscovery
      ? new HomeAssistantDiscovery({
          db: database.db,
          bus,
          mqtt,
          requests: intake,
          gates,
          commander,
          log: log.child('home-assistant'),
          account: config.haAccount,
          shareGroup,
        })
      : null;
    await homeAssistant?.listen();

    // The read model and the wire follow the log in turn with requests, yielding to entry decisions.
    const projector = new ScheduleProjector({
      db: database.lanes.derived,
      bus,
      clock,
      log: log.child('projector'),
      yieldTo: () => database.lanes.urgentWaiting(),
    });
    const publisher = new EventPublisher({
      db: database.lanes.derived,
      bus,
      clock,
      log: log.child('publisher'),
      sink: mqtt,
    });
    mqtt.on('connected', () => publisher.resume());
    const expiry = new HoldExpiry(ctx, config.expirySweepInterval);
    const allowlists = new AllowlistPublisher({
      db: database.db,
      bus,
      mqtt,
      clock,
      log: log.child('allowlist'),
    });
    // Once per database, whichever instance holds the lease.
    const leaderWork = new LeaderWork(
      [
        { name: 'projector', start: () => projector.start(), stop: () => projector.stop() },
        { name: 'publisher', start: () => publisher.start(), stop: () => publisher.stop() },
        { name: 'hold expiry', start: () => expiry.start(), stop: () => expiry.stop() },
        { name: 'offline allowlists', start: () => allowlists.start(), stop: () => allowlists.stop() },
        ...(homeAssistant
          ? [
              {
                name: 'Home Assistant discovery',
                start: () => homeAssistant.start(),
                stop: () => homeAssistant.stop(),
              },
            ]
          : []),
      ],
      log.child('leader'),
    );
    const onLease = (held: boolean) => leaderWork.set(held);
    const lease =
      database.dialect === 'postgres'
        ? new AdvisoryLease({ url: config.databaseUrl, log: log.child('lease'), clock, onChange: onLease })
        : new SoleLease(onLease);
    await lease.start();
    await leaderWork.idle();
    closers.push(async () => {
      await lease.stop();
      await leaderWork.idle();
    });
    let checkpointer: WalCheckpointer | null = null;
    if (database.dialect === 'sqlite') {
      const wal = new WalCheckpointer({
        db: database.lanes.background as Kysely<unknown>,
        clock,
        log: log.child('checkpoint'),
      });
      wal.start();
      closers.push(() => wal.stop());
      checkpointer = wal;
    }

    metrics.observe(metricSources({ db: database.db, gates, gateStatus, broker }));
    const stopping = new Stopping();
    const app = createHttpApp(ctx, {
      stopping,
      firstAdmin,
      metrics,
      commander,
      gateStatus,
      readiness: {
        check: async () => ({
          database: await sql`select 1`.execute(database.db).then(
            () => true,
            () => false,
          ),
          broker: mqtt.isConnected,
        }),
      },
    });
    const server = await listenOnPort(
      { configured: config.httpPort, fallback: DEFAULT_HTTP_PORT },
      (port) => listen(app, config.httpHost, port),
      stepAside(log, 'PARKING_HTTP_PORT'),
    );
    // Stops listening and closes idle connections; resolves once the last connection has ended.
    let httpClosed: Promise<void> | null = null;
    const closeHttp = () => {
      httpClosed ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return httpClosed;
    };
    closers.push(async () => {
      const closed = closeHttp();
      server.closeAllConnections();
      await closed;
    });
    drain = () => drainRequests({ stopping, intake, closeHttp, log, clock, budgetMs: drainBudget(config) });
    const httpPort = (server.address() as AddressInfo).port;
    const host = config.httpHost === '0.0.0.0' ? '127.0.0.1' : config.httpHost;
    return {
      httpUrl: `http://${host}:${httpPort}`,
      httpPort,
      mqttUrl: broker
        ? `mqtt://${config.mqttHost === '0.0.0.0' ? '127.0.0.1' : config.mqttHost}:${broker.port}`
        : withoutCredentials(mqttUrl),
      mqttPort: broker?.port ?? null,
      mqttTlsUrl:
        broker?.tlsPort == null
          ? null
          : `mqtts://${config.mqttHost === '0.0.0.0' ? '127.0.0.1' : config.mqttHost}:${broker.tlsPort}`,
      operatorToken: token,
      operatorTokenGenerated: generated,
      ctx,
      dialect: database.dialect,
      mqtt,
      projector,
      publisher,
      expiry,
      checkpointer,
      lease,
      leaderWork,
      metrics,
      gateStatus,
      intake,
      httpRoutes: app.routes.map((r) => ({ method: r.method, path: r.path })),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The share of shutdownTimeout spent waiting on requests in flight; the rest is for taking it down. */
export function drainBudget(config: { shutdownTimeout: number }): number {
  return Math.round(config.shutdownTimeout * 0.6);
}

/**
 * Readiness says stopping, streams end, new HTTP requests are refused; the broker stops giving this
 * instance the gates' and operators' requests; then it waits (at most `budgetMs`) until every
 * request already taken, HTTP or MQTT, has been answered.
 */
async function drainRequests(deps: {
  stopping: Stopping;
  intake: Intake;
  closeHttp: () => Promise<void>;
  log: Logger;
  clock: Clock;
  budgetMs: number;
}): Promise<void> {
  const { stopping, intake, log, clock, budgetMs } = deps;
  stopping.begin();
  log.info(`stopping: taking no new requests; finishing those in flight (at most ${budgetMs} ms)`);
  let timer: unknown;
  const finished = await Promise.race([
    Promise.all([intake.close(), deps.closeHttp()]).then(() => true),
    new Promise<false>((resolve) => {
      timer = clock.setTimeout(() => resolve(false), budgetMs);
    }),
  ]);
  clock.clearTimeout(timer);
  if (finished) log.info('stopping: every request taken has been answered');
  else
    log.warn(
      `stopping: ${intake.inFlight} MQTT request(s) and open HTTP connections still busy after ${budgetMs} ms; stopping anyway`,
    );
}

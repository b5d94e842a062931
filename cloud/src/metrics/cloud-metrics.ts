/**
 * The cloud's Prometheus metrics (prom-client), served at `/metrics`. Each cloud has a registry of
 * its own, so several instances in one process (the tests, the bench) do not count into each other.
 *
 * Counters and histograms are updated where things happen; the gauges that describe state (gates
 * online, outbox depths, projector and publisher lag) are read when Prometheus scrapes, from the
 * sources given to `observe`.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface GateReport {
  gateId: string;
  facilityId: string;
  online: boolean;
  /** Events waiting in the gate's outbox, as its retained state last said; null if it never said. */
  outboxDepth: number | null;
}

/** What the scrape-time gauges read. */
export interface MetricSources {
  /** Every registered gate with what it last reported. */
  gates(): GateReport[];
  /** How many events the projector and the publisher are behind the head of the log. */
  lag(): Promise<{ projector: number; publisher: number }>;
  /** The embedded broker's refusals by kind (null on an external broker, which keeps its own). */
  brokerRefusals(): Record<string, number> | null;
}

/** Seconds: an answer is usually under a millisecond, and a gate gives up at 0.8 s. */
const DECISION_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6];
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export class CloudMetrics {
  readonly registry = new Registry();
  private sources: MetricSources | null = null;

  readonly authDecisions = new Counter({
    name: 'parking_auth_decisions_total',
    help: 'Entry decisions answered to gates, by decision and reason.',
    labelNames: ['decision', 'reason'] as const,
    registers: [this.registry],
  });
  readonly authSeconds = new Histogram({
    name: 'parking_auth_decision_seconds',
    help: 'From an auth request received to its answer published, by decision.',
    labelNames: ['decision'] as const,
    buckets: DECISION_BUCKETS,
    registers: [this.registry],
  });
  readonly authProblems = new Counter({
    name: 'parking_auth_problems_total',
    help: 'Auth requests on a topic that names no gate (bad_topic), answers the broker did not take (response_lost), answers slower than 200 ms (slow).',
    labelNames: ['problem'] as const,
    registers: [this.registry],
  });
  readonly eventsIngested = new Counter({
    name: 'parking_gate_events_ingested_total',
    help: 'Gate events applied (or found applied before) and acked, by type.',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly eventProblems = new Counter({
    name: 'parking_gate_event_problems_total',
    help: 'Gate events rejected, unreadable, kept as anomalies, or failed to apply (to be resent), and messages on a topic that names no gate.',
    labelNames: ['problem'] as const,
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: 'parking_http_requests_total',
    help: 'HTTP requests by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpSeconds = new Histogram({
    name: 'parking_http_request_seconds',
    help: 'HTTP request durations by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });
  readonly gateCommands = new Counter({
    name: 'parking_gate_commands_total',
    help: 'Operator commands to gates by outcome (ok, refused, offline, timeout, forbidden, invalid).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly badReports = new Counter({
    name: 'parking_gate_reports_unreadable_total',
    help: 'Retained availability or state messages from gates that did not parse.',
    registers: [this.registry],
  });

  constructor() {
    const metrics = this;
    new Gauge({
      name: 'parking_gates',
      help: 'Registered gates by whether they are online now (their retained availability).',
      labelNames: ['status'] as const,
      registers: [this.registry],
      collect() {
        const gates = metrics.sources?.gates() ?? [];
        const online = gates.filter((g) => g.online).length;
        this.set({ status: 'online' }, online);
        this.set({ status: 'offline' }, gates.length - online);
      },
    });
    new Gauge({
      name: 'parking_gate_outbox_depth',
      help: 'Events waiting in each gate outbox, as the gate last reported in its retained state.',
      labelNames: ['gate', 'facility'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const g of metrics.sources?.gates() ?? []) {
          if (g.outboxDepth !== null) this.set({ gate: g.gateId, facility: g.facilityId }, g.outboxDepth);
        }
      },
    });
    new Gauge({
      name: 'parking_follower_lag_events',
      help: 'Events in the log not yet handled by the schedule projector and by the MQTT publisher.',
      labelNames: ['follower'] as const,
      registers: [this.registry],
      async collect() {
        const lag = await metrics.sources?.lag().catch(() => null);
        if (!lag) return;
        this.set({ follower: 'projector' }, lag.projector);
        this.set({ follower: 'publisher' }, lag.publisher);
      },
    });
    new Counter({
      name: 'parking_broker_refusals_total',
      help: 'What the embedded broker refused: CONNECTs (authFailures, authErrors), PUBLISHes and SUBSCRIBEs the ACL denied, oversized packets.',
      labelNames: ['kind'] as const,
      registers: [this.registry],
      collect() {
        const refusals = metrics.sources?.brokerRefusals();
        if (!refusals) return;
        this.reset();
        for (const [kind, n] of Object.entries(refusals)) this.inc({ kind }, n);
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  observe(sources: MetricSources): void {
    this.sources = sources;
  }

  /** The text exposition format, for `/metrics`. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** One series' value (a counter, a gauge, or a histogram's count), 0 if it has none: for tests and the bench. */
  async value(name: string, labels: Record<string, string> = {}): Promise<number> {
    const metric = this.registry.getSingleMetric(name);
    if (!metric) throw new Error(`no metric ${name}`);
    const { values } = await metric.get();
    const wanted = Object.entries(labels);
    return values
      .filter((v) => !('metricName' in v) || v.metricName === undefined || v.metricName === `${name}_count`)
      .filter((v) => wanted.every(([k, want]) => String(v.labels[k]) === want))
      .reduce((sum, v) => sum + v.value, 0);
  }
}

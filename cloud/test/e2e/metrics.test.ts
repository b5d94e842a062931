/** `/metrics` scraped as Prometheus would, and parsed: decisions, gates, events, outboxes, lag, HTTP. */
import { topics } from '@parkinglot/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestCloud } from '../../src/testing/cloud.js';
import { eventually } from '../../src/testing/eventually.js';
import { event, type TestGate } from '../../src/testing/gate.js';
import { startSite, type TestSite } from '../../src/testing/site.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The text exposition format, strictly: a line that is neither a comment nor a sample fails the test. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/i.exec(line);
    if (!sample) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[key!] = value!;
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return { samples, types };
}

const sum = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((total, s) => total + s.value, 0);

describe('/metrics', () => {
  let env: TestSite;
  let t: TestCloud;
  let entry: TestGate;

  beforeAll(async () => {
    env = await startSite(['M-1', 'M-2']);
    ({ t, entry } = env);
  });
  afterAll(async () => env?.close());

  const scrapeOne = async (httpUrl: string) => {
    const response = await fetch(`${httpUrl}/metrics`, {
      headers: { authorization: `Bearer ${t.cloud.operatorToken}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(await response.text());
  };
  /** One instance: what every instance sees alike (gates, lag). */
  const scrape = () => scrapeOne(t.cloud.httpUrl);
  /** Every instance, as a Prometheus sum() over them: each counts what it handled itself. */
  const scrapeAll = async () => {
    const all = await Promise.all([t.cloud, ...t.peers].map((c) => scrapeOne(c.httpUrl)));
    return { samples: all.flatMap((a) => a.samples), types: all[0]!.types };
  };

  it('is for operators only', async () => {
    expect((await fetch(`${t.cloud.httpUrl}/metrics`)).status).toBe(401);
    const member = await t.api.member('Curious', ['MX1']);
    const asMember = await fetch(`${t.cloud.httpUrl}/metrics`, {
      headers: { authorization: `Bearer ${member.token}` },
    });
    expect(asMember.status).toBe(403);
  });

  it('counts every decision by reason, with a latency histogram', async () => {
    const member = await t.api.member('Metric', ['12가3456']);
    await t.api.reserve(member.token, env.site.spaces[0].id, '12가3456');
    expect((await entry.authorize({ kind: 'plate', value: '12가3456' })).decision).toBe('allow');
    expect((await entry.authorize({ kind: 'plate', value: '99NO999' })).decision).toBe('deny');
    const { samples, types } = await scrapeAll();
    expect(types.get('parking_auth_decisions_total')).toBe('counter');
    expect(types.get('parking_auth_decision_seconds')).toBe('histogram');
    expect(sum(samples, 'parking_auth_decisions_total', { decision: 'allow' })).toBe(1);
    expect(
      sum(samples, 'parking_auth_decisions_total', { decision: 'deny', reason: 'unknown_credential' }),
    ).toBe(1);
    expect(sum(samples, 'parking_auth_decision_seconds_count')).toBe(2);
    const infinite = samples.filter(
      (s) => s.name === 'parking_auth_decision_seconds_bucket' && s.labels.le === '+Inf',
    );
    expect(infinite.reduce((n, s) => n + s.value, 0)).toBe(2);
  });

  it('counts ingested events by type, and problems by kind', async () => {
    const started = event('Started', { kind: 'plate', value: '12가3456' });
    await entry.sendEvents(started, started.eventId);
    await entry.client.publishAsync(topics.events(entry.gateId), '{"not":"an event"', { qos: 1 });
    await eventually(async () => {
      const { samples } = await scrapeAll();
      return (
        sum(samples, 'parking_gate_events_ingested_total', { type: 'Started' }) === 1 &&
        sum(samples, 'parking_gate_event_problems_total', { problem: 'unreadable' }) === 1
      );
    });
  });

  it('follows the gates: online or offline from their availability, outbox depth from their state', async () => {
    const before = await scrape();
    expect(sum(before.samples, 'parking_gates', { status: 'online' })).toBe(0);
    expect(sum(before.samples, 'parking_gates', { status: 'offline' })).toBe(2);
    await entry.client.publishAsync(topics.availability(entry.gateId), 'online', { qos: 1, retain: true });
    await entry.client.publishAsync(
      topics.state(entry.gateId),
      JSON.stringify({ barrier: 'closed', loops: {}, outboxDepth: 7 }),
      { qos: 1, retain: true },
    );
    await entry.client.publishAsync(topics.state(entry.gateId), 'garbage', { qos: 1 });
    await eventually(async () => {
      const { samples } = await scrape();
      return (
        sum(samples, 'parking_gates', { status: 'online' }) === 1 &&
        sum(samples, 'parking_gate_outbox_depth', { gate: entry.gateId }) === 7 &&
        sum(samples, 'parking_gate_reports_unreadable_total') === 1
      );
    });
    // The last good state stays.
    expect(t.cloud.gateStatus.get(entry.gateId).state?.outboxDepth).toBe(7);
  });

  it('reports how far the projector and the publisher are behind the log', async () => {
    await t.cloud.projector.catchUp();
    await t.cloud.publisher.flush();
    const { samples, types } = await scrape();
    expect(sum(samples, 'parking_follower_lag_events', { follower: 'projector' })).toBe(0);
    expect(types.get('parking_follower_lag_events')).toBe('gauge');
    expect(
      samples
        .filter((s) => s.name === 'parking_follower_lag_events')
        .map((s) => s.labels.follower)
        .sort(),
    ).toEqual(['projector', 'publisher']);
  });

  it('counts HTTP requests by route pattern and status, never by raw path', async () => {
    await t.api.expect(404, 'GET', '/api/facilities/fac_nosuchfacility000000000');
    await t.api.expect(404, 'GET', '/api/no/such/route');
    const { samples } = await scrape();
    expect(samples.filter((s) => s.name === 'parking_http_requests_total').length).toBeGreaterThan(3);
    expect(
      sum(samples, 'parking_http_requests_total', {
        route: '/api/facilities/:id',
        status: '404',
        method: 'GET',
      }),
    ).toBe(1);
    expect(sum(samples, 'parking_http_requests_total', { route: 'unmatched', status: '404' })).toBe(1);
    expect(samples.some((s) => s.labels.route?.includes('fac_'))).toBe(false);
    expect(sum(samples, 'parking_http_requests_total', { route: '/api/reservations', status: '201' })).toBe(
      1,
    );
  });
});

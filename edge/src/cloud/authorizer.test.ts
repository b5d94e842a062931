import { createLogger } from '@parkinglot/platform/log';
import { systemClock } from '@parkinglot/platform/time';
import { topics } from '@parkinglot/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeMqtt } from '../testing/fakes.js';
import { CloudAuthorizer } from './authorizer.js';

const gateId = 'gate_a';
const plate = { kind: 'plate' as const, value: '12가3456' };

async function rig() {
  const mqtt = new FakeMqtt();
  const authorizer = new CloudAuthorizer({
    gateId,
    mqtt,
    clock: systemClock,
    log: createLogger('test', 'silent'),
    timeoutMs: 800,
    breaker: { failureThreshold: 3, cooldownMs: 10_000 },
  });
  await authorizer.start();
  const lastRequest = () => mqtt.lastOn(topics.authRequest(gateId));
  const answer = (body: Record<string, unknown>) =>
    mqtt.deliver(topics.authResponse(gateId), { requestId: lastRequest().requestId, ...body });
  return { mqtt, authorizer, lastRequest, answer };
}

const allow = { decision: 'allow', reason: 'reservation_active', reservationId: 'res_1', spaceId: 'spc_1' };

describe('cloud authorizer (fail closed)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => vi.useRealTimers());

  it('allows on a literal, complete allow and sends the request the contract describes', async () => {
    const r = await rig();
    const decision = r.authorizer.authorize(plate);
    expect(r.lastRequest()).toMatchObject({
      requestId: expect.stringMatching(/^req_/),
      credential: plate,
      at: expect.any(String),
    });
    await r.answer(allow);
    expect(await decision).toEqual({
      allow: true,
      requestId: r.lastRequest().requestId,
      reservationId: 'res_1',
    });
  });

  it.each([
    ['a deny', { decision: 'deny', reason: 'no_reservation' }, 'no_reservation'],
    ['ALLOW in capitals', { ...allow, decision: 'ALLOW' }, 'bad_response'],
    ['allow without a reservation', { decision: 'allow', reason: 'reservation_active' }, 'bad_response'],
    ['a boolean', { decision: true }, 'bad_response'],
    ['an unknown deny reason', { decision: 'deny', reason: 'because' }, 'bad_response'],
  ])('denies on %s', async (_name, body, reason) => {
    const r = await rig();
    const decision = r.authorizer.authorize(plate);
    await r.answer(body);
    expect(await decision).toMatchObject({ allow: false, reason });
  });

  it('denies a response that is not JSON once the timeout passes (it cannot be matched)', async () => {
    const r = await rig();
    const decision = r.authorizer.authorize(plate);
    await r.mqtt.deliver(topics.authResponse(gateId), 'allow');
    await vi.advanceTimersByTimeAsync(800);
    expect(await decision).toMatchObject({ allow: false, reason: 'cloud_timeout' });
    expect(r.authorizer.stats.stray).toBe(1);
  });

  it('denies at the timeout and ignores the answer that comes late', async () => {
    const r = await rig();
    const decision = r.authorizer.authorize(plate);
    let settled = false;
    void decision.then(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(799);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await decision).toMatchObject({ allow: false, reason: 'cloud_timeout' });
    await r.answer(allow);
    expect(r.authorizer.stats).toMatchObject({ allows: 0, timeouts: 1, stray: 1 });
  });

  it('denies at once while the link is down', async () => {
    const r = await rig();
    r.mqtt.isConnected = false;
    expect(await r.authorizer.authorize(plate)).toMatchObject({ allow: false, reason: 'cloud_disconnected' });
    expect(r.mqtt.published).toHaveLength(0);
  });

  it('opens the circuit after consecutive timeouts, probes after the cool-down, and closes on an answer', async () => {
    const r = await rig();
    for (let i = 0; i < 3; i++) {
      const d = r.authorizer.authorize(plate);
      await vi.advanceTimersByTimeAsync(800);
      expect(await d).toMatchObject({ reason: 'cloud_timeout' });
    }
    expect(r.authorizer.breaker.state).toBe('open');
    const sent = r.mqtt.published.length;
    expect(await r.authorizer.authorize(plate)).toMatchObject({ allow: false, reason: 'cloud_unreachable' });
    expect(r.mqtt.published).toHaveLength(sent);

    await vi.advanceTimersByTimeAsync(10_000);
    expect(r.authorizer.breaker.state).toBe('half_open');
    const probe = r.authorizer.authorize(plate);
    // Only one probe at a time.
    expect(await r.authorizer.authorize(plate)).toMatchObject({ reason: 'cloud_unreachable' });
    await r.answer(allow);
    expect(await probe).toMatchObject({ allow: true });
    expect(r.authorizer.breaker.state).toBe('closed');
  });

  it('reopens the circuit when the probe times out', async () => {
    const r = await rig();
    for (let i = 0; i < 3; i++) {
      const d = r.authorizer.authorize(plate);
      await vi.advanceTimersByTimeAsync(800);
      await d;
    }
    await vi.advanceTimersByTimeAsync(10_000);
    const probe = r.authorizer.authorize(plate);
    await vi.advanceTimersByTimeAsync(800);
    expect(await probe).toMatchObject({ reason: 'cloud_timeout' });
    expect(r.authorizer.breaker.state).toBe('open');
  });

  it('denies whatever is pending on stop, saying the cloud may have allowed it (never an offline allow)', async () => {
    const r = await rig();
    const d = r.authorizer.authorize(plate);
    r.authorizer.stop();
    expect(await d).toMatchObject({ allow: false, reason: 'agent_stopping', cloudMayHaveAllowed: true });
  });
});

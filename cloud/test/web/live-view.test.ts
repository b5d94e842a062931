/// <reference lib="dom" />
/**
 * The live web view in real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * sign in, see the spaces and gates, watch them change without a reload, survive a cloud restart
 * and an hour left open. A screenshot is kept in .test-results/web/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { topics } from '@parkinglot/shared';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { event, TestGate } from '../../src/testing/gate.js';
import { startSite, type TestSite } from '../../src/testing/site.js';

const ARTIFACTS = fileURLToPath(new URL('../../.test-results/web/', import.meta.url));

/** Debian's chromium: the tests need it (.ci/run installs it), so its absence is a failure, not a skip. */
function chromiumPath(): string {
  return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
}

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  // Without these Chromium keeps trying to reach Google's services, which this network refuses.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('the live view', () => {
  let env: TestSite;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    env = await startSite(['L-01', 'L-02', 'L-03', 'L-04']);
    await env.entry.client.publishAsync(topics.availability(env.entry.gateId), 'online', {
      qos: 1,
      retain: true,
    });
    await env.entry.client.publishAsync(
      topics.state(env.entry.gateId),
      JSON.stringify({ barrier: 'closed', phase: 'idle', loops: {}, alarms: [] }),
      { qos: 1, retain: true },
    );
    browser = await chromium.launch({ executablePath: chromiumPath(), args: FLAGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  /**
   * The page comes from the second instance when there is one (postgres-mosquitto), while the
   * changes go through the first: the stream is the event log's, whichever instance serves it.
   */
  const viewUrl = () => (env.t.peers[0] ?? env.t.cloud).httpUrl;
  const space = (id: string) => page.locator(`.space[data-space-id="${id}"]`);
  const gate = (id: string) => page.locator(`.gate[data-gate-id="${id}"]`);

  it('refuses a wrong token, then signs in and shows every space and gate', async () => {
    await page.goto(viewUrl());
    await page.fill('#token', 'not-a-token');
    await page.click('#sign-in button[type=submit]');
    await expect.poll(() => page.textContent('#sign-in-error')).toMatch(/not valid/);
    await page.fill('#token', env.t.cloud.operatorToken);
    await page.click('#sign-in button[type=submit]');
    await page.waitForSelector(`.space[data-space-id="${env.site.spaces[3].id}"]`);
    expect(await page.locator('.space').count()).toBe(4);
    expect(await space(env.site.spaces[0].id).getAttribute('data-status')).toBe('available');
    await gate(env.entry.gateId).waitFor();
    expect(await gate(env.entry.gateId).getAttribute('data-availability')).toBe('online');
    expect(await page.textContent('#who-name')).toBe('operator (admin)');
  });

  it('shows a space reserved over HTTP within a second, in its colour, with plate, without a reload', async () => {
    const member = await env.t.api.member('Browser', ['12가3456']);
    const target = env.site.spaces[1].id;
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    await env.t.api.reserve(member.token, target, '12가3456');
    await page.waitForSelector(`.space[data-space-id="${target}"][data-status="reserved"]`, {
      timeout: 1_000,
    });
    expect(await space(target).textContent()).toContain('12가3456');
    const colour = await space(target).evaluate((el) => getComputedStyle(el).backgroundColor);
    const free = await space(env.site.spaces[0].id).evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(colour).not.toBe(free);
    expect(navigations).toEqual([]);
    // The car arrives: occupied.
    const started = event('Started', { kind: 'plate', value: '12가3456' });
    await env.entry.sendEvents(started, started.eventId);
    await page.waitForSelector(`.space[data-space-id="${target}"][data-status="occupied"]`);
    await expect.poll(() => page.locator('#feed li').first().textContent()).toMatch(/ParkingStarted/);
  });

  it('marks a gate offline when it says so, and shows its alarms', async () => {
    await env.entry.client.publishAsync(
      topics.state(env.entry.gateId),
      JSON.stringify({ barrier: 'closed', phase: 'idle', loops: {}, alarms: ['reader_down'] }),
      { qos: 1, retain: true },
    );
    await page.waitForFunction(
      (id) =>
        document.querySelector(`.gate[data-gate-id="${id}"] .alarm`)?.textContent?.includes('reader_down'),
      env.entry.gateId,
    );
    await env.entry.client.publishAsync(topics.availability(env.entry.gateId), 'offline', {
      qos: 1,
      retain: true,
    });
    await page.waitForSelector(`.gate[data-gate-id="${env.entry.gateId}"][data-availability="offline"]`);
    await page.screenshot({ path: join(ARTIFACTS, 'live-view.png'), fullPage: true });
  });

  it('reconnects after the cloud restarts and catches up from Last-Event-ID', async () => {
    const member = await env.t.api.member('After restart', ['34나5678']);
    await env.entry.close();
    await env.exit.close();
    await env.t.restart();
    await page.waitForSelector('#link.live');
    await env.t.api.reserve(member.token, env.site.spaces[2].id, '34나5678');
    await page.waitForSelector(`.space[data-space-id="${env.site.spaces[2].id}"][data-status="reserved"]`);
    // The entry gate is back: its status reaches the page again.
    const again = await TestGate.connect(
      env.t.cloud.mqttUrl,
      env.site.entry.mqtt.username,
      env.site.entry.mqtt.password,
    );
    await again.client.publishAsync(topics.availability(env.entry.gateId), 'online', {
      qos: 1,
      retain: true,
    });
    await page.waitForSelector(`.gate[data-gate-id="${env.entry.gateId}"][data-availability="online"]`);
    await again.close();
  });

  it('is still right after an hour left open', async () => {
    const open = await browser.newPage();
    await open.clock.install();
    await open.goto(viewUrl());
    await open.fill('#token', env.t.cloud.operatorToken);
    await open.click('#sign-in button[type=submit]');
    await open.waitForSelector('.space');
    // Changes the stream carries, then an hour of the page's timers (renders, resyncs) at once.
    await env.t.api.expect(200, 'POST', `/api/spaces/${env.site.spaces[3].id}/retire`);
    const reservations = await env.t.api.expect(200, 'GET', '/api/reservations?status=reserved');
    for (const r of reservations.items)
      await env.t.api.expect(200, 'POST', `/api/reservations/${r.id}/cancel`);
    await open.clock.fastForward('01:00:00');
    await env.t.cloud.projector.catchUp();
    const schedule = await env.t.api.expect(200, 'GET', `/api/schedule?facilityId=${env.site.facility.id}`);
    const expected = Object.fromEntries(
      schedule.spaces.map((s: { id: string; status: string }) => [s.id, s.status]),
    );
    await expect
      .poll(async () =>
        Object.fromEntries(
          await open
            .locator('.space')
            .evaluateAll((els) =>
              els.map((el) => [el.getAttribute('data-space-id'), el.getAttribute('data-status')]),
            ),
        ),
      )
      .toEqual(expected);
    expect(Object.keys(expected)).not.toContain(env.site.spaces[3].id);
    await open.close();
  });
});

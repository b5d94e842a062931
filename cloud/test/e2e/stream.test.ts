/** GET /api/stream as any client reads it: domain events in order with their seq as id, resumed by Last-Event-ID. */
import { topics } from '@parkinglot/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSite, type TestSite } from '../../src/testing/site.js';

interface Message {
  event: string;
  id: string | null;
  data: unknown;
}

/** Reads server-sent events until `enough` says so, then cancels the stream. */
async function readStream(
  url: string,
  headers: Record<string, string>,
  enough: (messages: Message[]) => boolean,
) {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const messages: Message[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  while (!enough(messages)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const field = (name: string) =>
        block
          .split('\n')
          .filter((l) => l.startsWith(`${name}:`))
          .map((l) => l.slice(name.length + 1).trim());
      const data = field('data');
      if (data.length === 0) continue;
      messages.push({
        event: field('event')[0] ?? 'message',
        id: field('id')[0] ?? null,
        data: JSON.parse(data.join('\n')),
      });
    }
  }
  controller.abort();
  return messages;
}

describe('the event stream', () => {
  let env: TestSite;
  let auth: Record<string, string>;

  beforeAll(async () => {
    env = await startSite(['S-1', 'S-2']);
    auth = { authorization: `Bearer ${env.t.cloud.operatorToken}` };
  });
  afterAll(async () => env?.close());

  const url = () => `${env.t.cloud.httpUrl}/api/stream`;

  it('is for operators', async () => {
    expect((await fetch(url())).status).toBe(401);
    const member = await env.t.api.member('Streamer', ['99하9999']);
    expect((await fetch(url(), { headers: { authorization: `Bearer ${member.token}` } })).status).toBe(403);
  });

  it('resumes after Last-Event-ID with every event since, in order, then goes on live', async () => {
    const head = (await env.t.api.expect(200, 'GET', '/api/events?after=0&limit=1')).lastSeq as number;
    const member = await env.t.api.member('Live', ['88거8888']);
    const reading = readStream(url(), { ...auth, 'last-event-id': String(head - 3) }, (m) =>
      m.some((x) => (x.data as { type?: string }).type === 'SpaceReserved'),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await env.t.api.reserve(member.token, env.site.spaces[0].id, '88거8888');
    const messages = (await reading).filter((m) => m.event === 'domain');
    const seqs = messages.map((m) => Number(m.id));
    expect(seqs[0]).toBe(head - 2);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(messages.at(-1)!.data).toMatchObject({ type: 'SpaceReserved', seq: seqs.at(-1) });
  });

  it('carries gate status changes', async () => {
    const reading = readStream(url(), auth, (m) => m.some((x) => x.event === 'gate'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await env.entry.client.publishAsync(topics.availability(env.entry.gateId), 'online', {
      qos: 1,
      retain: true,
    });
    const gate = (await reading).find((m) => m.event === 'gate');
    expect(gate?.data).toMatchObject({ gateId: env.entry.gateId, status: { availability: 'online' } });
  });

  it('replays from the start for Last-Event-ID 0, and refuses a bad resume point', async () => {
    const messages = await readStream(url(), { ...auth, 'last-event-id': '0' }, (m) => m.length > 0);
    expect(messages[0]).toMatchObject({ event: 'domain', id: '1' });
    const bad = await fetch(`${url()}?after=-1`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'validation_failed' });
  });
});

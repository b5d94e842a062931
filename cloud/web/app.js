// The live view: sign in with an operator token, load each facility's schedule and gates, then
// follow GET /api/stream (server-sent events, read with fetch so the token travels in a header).
// A reconnect resumes with Last-Event-ID; the whole picture is read again every few minutes and
// after a `reset`, so a page left open for hours does not drift.

import { applyEvent, applyGate, emptyPicture, FEED_SIZE, remember, spaceFrom } from './picture.js';
import { render } from './render.js';

const TOKEN_KEY = 'parkinglot.token';
const RESYNC_MS = 5 * 60_000;

const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem(TOKEN_KEY);
let picture = emptyPicture();
let stream = null;
let generation = 0;

class Unauthorized extends Error {}

async function api(path) {
  const response = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  if (response.status === 401) throw new Unauthorized('the token is not valid (any more)');
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new Error(`${path}: ${response.status} ${body.error ?? ''} ${body.message ?? ''}`);
  }
  return response.json();
}

async function all(path) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api(`${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

const draw = () => render(picture, $('facilities'), $('feed'));

function show(signedIn) {
  $('sign-in').hidden = signedIn;
  $('view').hidden = !signedIn;
  $('who').hidden = !signedIn;
}

function signOut(why) {
  sessionStorage.removeItem(TOKEN_KEY);
  token = null;
  generation += 1;
  stream?.abort();
  $('sign-in-error').textContent = why ?? '';
  show(false);
}

async function signIn(candidate) {
  token = candidate;
  const me = await api('/api/operators/me');
  sessionStorage.setItem(TOKEN_KEY, candidate);
  $('who-name').textContent = `${me.name} (${me.role})`;
  show(true);
  await reload();
}

const activeGates = async (facilityId) =>
  new Map(
    (await all(`/api/facilities/${encodeURIComponent(facilityId)}/gates`))
      .filter((g) => !g.deactivatedAt)
      .map((g) => [g.id, g]),
  );

/** Reads everything again, then (re)starts the stream from where the snapshot stands. */
async function reload() {
  const next = emptyPicture();
  let from = Number.POSITIVE_INFINITY;
  for (const f of await all('/api/facilities')) {
    const [schedule, gates] = await Promise.all([
      api(`/api/schedule?facilityId=${encodeURIComponent(f.id)}`),
      activeGates(f.id),
    ]);
    from = Math.min(from, schedule.asOf.seq);
    next.facilities.set(f.id, {
      id: f.id,
      name: f.name,
      spaces: new Map(schedule.spaces.map((s) => [s.id, spaceFrom(s)])),
      gates,
    });
  }
  const head = (await api('/api/events?after=0&limit=1')).lastSeq;
  next.feed = picture.feed;
  next.seen = picture.seen;
  if (next.feed.length === 0) {
    const recent = await api(`/api/events?after=${Math.max(0, head - FEED_SIZE)}&limit=${FEED_SIZE}`);
    for (const event of recent.events) remember(next, event);
  }
  // The schedule may be behind the log: the stream replays what it has not applied yet.
  next.lastSeq = Number.isFinite(from) ? Math.min(from, head) : head;
  picture = next;
  draw();
  follow();
}

let reloadTimer = null;
function reloadSoon() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => reload().catch(failed), 200);
}

function setLink(text, cls) {
  const link = $('link');
  link.textContent = text;
  link.className = `badge ${cls}`;
}

/** Follows /api/stream from picture.lastSeq until signed out or superseded by a newer follow(). */
function follow() {
  stream?.abort();
  const mine = ++generation;
  const controller = new AbortController();
  stream = controller;
  let delay = 500;
  (async () => {
    while (mine === generation) {
      try {
        const response = await fetch('/api/stream', {
          headers: { authorization: `Bearer ${token}`, 'last-event-id': String(picture.lastSeq) },
          signal: controller.signal,
        });
        if (response.status === 401) return signOut('the token is not valid (any more)');
        if (!response.ok || !response.body) throw new Error(`stream: ${response.status}`);
        setLink('live', 'live');
        delay = 500;
        // Gates may have changed while the stream was down; their status is not in the log.
        refreshGates().catch(() => undefined);
        await readEvents(response.body, mine);
      } catch (error) {
        if (controller.signal.aborted) return;
        console.warn(error);
      }
      if (mine !== generation) return;
      setLink('reconnecting…', 'down');
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  })();
}

async function readEvents(body, mine) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done || mine !== generation) return;
    buffer += value;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      onMessage(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
    }
    draw();
  }
}

function onMessage(block) {
  let type = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return;
  let payload;
  try {
    payload = JSON.parse(data.join('\n'));
  } catch {
    return;
  }
  if (type === 'domain' && applyEvent(picture, payload) === 'reload') reloadSoon();
  else if (type === 'gate') applyGate(picture, payload);
  else if (type === 'reset') reloadSoon();
}

async function refreshGates() {
  for (const f of picture.facilities.values()) f.gates = await activeGates(f.id);
  draw();
}

function failed(error) {
  if (error instanceof Unauthorized) signOut(error.message);
  else {
    console.error(error);
    setLink('error: see the console', 'down');
  }
}

$('sign-in').addEventListener('submit', (e) => {
  e.preventDefault();
  $('sign-in-error').textContent = '';
  signIn($('token').value.trim()).catch((error) => signOut(error.message));
});
$('sign-out').addEventListener('click', () => signOut());
// "since 12:03 (5 min)" moves on; the picture is read again now and then.
setInterval(draw, 30_000);
setInterval(() => {
  if (token) reload().catch(failed);
}, RESYNC_MS);

if (token) signIn(token).catch((error) => signOut(error.message));
else show(false);

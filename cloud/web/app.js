// The live view: sign in with an operator token, load each facility's schedule and gates, then
// follow GET /api/stream (server-sent events, read with fetch so the token travels in a header).
// Domain events are applied as the schedule projector applies them; a reconnect resumes with
// Last-Event-ID, and the whole picture is read again every few minutes and after a `reset`.
// Everything from the server is written with textContent: nothing it says becomes markup.

const TOKEN_KEY = 'parkinglot.token';
const FEED_SIZE = 50;
const RESYNC_MS = 5 * 60_000;

const $ = (id) => document.getElementById(id);
const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  facilities: new Map(),
  lastSeq: 0,
  feed: [],
  seen: new Set(),
  stream: null,
  generation: 0,
};

class Unauthorized extends Error {}

async function api(path) {
  const response = await fetch(path, { headers: { authorization: `Bearer ${state.token}` } });
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

function show(signedIn) {
  $('sign-in').hidden = signedIn;
  $('view').hidden = !signedIn;
  $('who').hidden = !signedIn;
}

function signOut(why) {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  state.generation += 1;
  state.stream?.abort();
  $('sign-in-error').textContent = why ?? '';
  show(false);
}

async function signIn(token) {
  state.token = token;
  const me = await api('/api/operators/me');
  sessionStorage.setItem(TOKEN_KEY, token);
  $('who-name').textContent = `${me.name} (${me.role})`;
  show(true);
  await reload();
}

// --- the picture -------------------------------------------------------------------------------

const free = (space) => {
  space.status = 'available';
  space.reservationId = null;
  space.plate = null;
  space.sessionId = null;
  space.since = null;
};

/** Reads everything again, then (re)starts the stream from where the snapshot stands. */
async function reload() {
  const facilities = await all('/api/facilities');
  const next = new Map();
  let from = Number.POSITIVE_INFINITY;
  for (const f of facilities) {
    const [schedule, gates] = await Promise.all([
      api(`/api/schedule?facilityId=${encodeURIComponent(f.id)}`),
      all(`/api/facilities/${encodeURIComponent(f.id)}/gates`),
    ]);
    from = Math.min(from, schedule.asOf.seq);
    next.set(f.id, {
      id: f.id,
      name: f.name,
      spaces: new Map(
        schedule.spaces.map((s) => [
          s.id,
          {
            id: s.id,
            label: s.label,
            floor: s.floor,
            status: s.status,
            reservationId: s.reservationId ?? null,
            plate: s.plate ?? null,
            sessionId: s.sessionId ?? null,
            since: s.status === 'occupied' ? s.occupiedSince : s.status === 'reserved' ? s.reservedAt : null,
          },
        ]),
      ),
      gates: new Map(gates.filter((g) => !g.deactivatedAt).map((g) => [g.id, g])),
    });
  }
  const head = (await api('/api/events?after=0&limit=1')).lastSeq;
  if (state.feed.length === 0) {
    const recent = await api(`/api/events?after=${Math.max(0, head - FEED_SIZE)}&limit=${FEED_SIZE}`);
    for (const event of recent.events) remember(event);
  }
  state.facilities = next;
  // The schedule may be behind the log: the stream replays what it has not applied yet.
  state.lastSeq = Number.isFinite(from) ? Math.min(from, head) : head;
  render();
  follow();
}

function remember(event) {
  if (state.seen.has(event.seq)) return;
  state.seen.add(event.seq);
  state.feed.unshift(event);
  state.feed.sort((a, b) => b.seq - a.seq);
  for (const dropped of state.feed.splice(FEED_SIZE)) state.seen.delete(dropped.seq);
}

function spaceById(id) {
  for (const f of state.facilities.values()) {
    const space = f.spaces.get(id);
    if (space) return space;
  }
  return null;
}

function spaceWhere(predicate) {
  for (const f of state.facilities.values()) for (const s of f.spaces.values()) if (predicate(s)) return s;
  return null;
}

let reloadTimer = null;
function reloadSoon() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => reload().catch(failed), 200);
}

/** One domain event, as the schedule projector applies it (cloud/src/projection/schedule-projector.ts). */
function apply(event) {
  const d = event.data ?? {};
  remember(event);
  switch (event.type) {
    case 'FacilityRegistered':
    case 'GateRegistered':
    case 'GateDeactivated':
      reloadSoon();
      break;
    case 'SpaceAdded': {
      const f = state.facilities.get(event.facilityId);
      if (!f) reloadSoon();
      else if (!f.spaces.has(event.aggregateId)) {
        f.spaces.set(event.aggregateId, {
          id: event.aggregateId,
          label: d.label,
          floor: d.floor,
          status: 'available',
          since: null,
        });
      }
      break;
    }
    case 'SpaceRetired':
      for (const f of state.facilities.values()) f.spaces.delete(event.aggregateId);
      break;
    case 'SpaceReserved': {
      const s = spaceById(d.spaceId);
      if (s)
        Object.assign(s, {
          status: 'reserved',
          reservationId: d.reservationId,
          plate: d.plate,
          since: event.occurredAt,
        });
      break;
    }
    case 'ReservationCanceled':
    case 'ReservationExpired': {
      const s = spaceWhere((x) => x.reservationId === d.reservationId);
      if (s) free(s);
      break;
    }
    case 'ParkingStarted': {
      const s = d.spaceId ? spaceById(d.spaceId) : null;
      if (s)
        Object.assign(s, { status: 'occupied', sessionId: d.sessionId, since: d.at ?? event.occurredAt });
      break;
    }
    case 'ParkingEnded': {
      const s = d.spaceId ? spaceById(d.spaceId) : null;
      if (s && s.sessionId === d.sessionId) free(s);
      break;
    }
    default:
      break;
  }
  state.lastSeq = Math.max(state.lastSeq, event.seq);
}

function applyGate({ gateId, status }) {
  for (const f of state.facilities.values()) {
    const gate = f.gates.get(gateId);
    if (gate) gate.status = status;
  }
}

// --- the stream ---------------------------------------------------------------------------------

function setLink(text, cls) {
  const link = $('link');
  link.textContent = text;
  link.className = `badge ${cls}`;
}

/** Follows /api/stream from state.lastSeq until signed out or superseded by a newer follow(). */
function follow() {
  state.stream?.abort();
  const generation = ++state.generation;
  const controller = new AbortController();
  state.stream = controller;
  let delay = 500;
  (async () => {
    while (generation === state.generation) {
      try {
        const response = await fetch('/api/stream', {
          headers: { authorization: `Bearer ${state.token}`, 'last-event-id': String(state.lastSeq) },
          signal: controller.signal,
        });
        if (response.status === 401) return signOut('the token is not valid (any more)');
        if (!response.ok || !response.body) throw new Error(`stream: ${response.status}`);
        setLink('live', 'live');
        delay = 500;
        // Gates may have changed while the stream was down; their status is not in the log.
        refreshGates().catch(() => undefined);
        await readEvents(response.body, generation);
      } catch (error) {
        if (controller.signal.aborted) return;
        console.warn(error);
      }
      if (generation !== state.generation) return;
      setLink('reconnecting…', 'down');
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  })();
}

async function readEvents(body, generation) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done || generation !== state.generation) return;
    buffer += value;
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      onMessage(block);
      end = buffer.indexOf('\n\n');
    }
    render();
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
  if (type === 'domain') apply(payload);
  else if (type === 'gate') applyGate(payload);
  else if (type === 'reset') reloadSoon();
}

async function refreshGates() {
  for (const f of state.facilities.values()) {
    const gates = await all(`/api/facilities/${encodeURIComponent(f.id)}/gates`);
    f.gates = new Map(gates.filter((g) => !g.deactivatedAt).map((g) => [g.id, g]));
  }
  render();
}

// --- drawing ------------------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined) continue;
    if (k === 'class') node.className = v;
    else node.setAttribute(k, String(v));
  }
  for (const child of children)
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function ago(iso) {
  if (!iso) return '';
  const minutes = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 60_000));
  const clock = new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return minutes < 1
    ? `since ${clock}`
    : minutes < 120
      ? `since ${clock} (${minutes} min)`
      : `since ${clock} (${Math.round(minutes / 60)} h)`;
}

function render() {
  const root = $('facilities');
  const sections = [];
  for (const f of [...state.facilities.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const spaces = [...f.spaces.values()].sort((a, b) =>
      String(a.label).localeCompare(String(b.label), undefined, { numeric: true }),
    );
    const counts = { available: 0, reserved: 0, occupied: 0 };
    for (const s of spaces) counts[s.status] = (counts[s.status] ?? 0) + 1;
    sections.push(
      el(
        'article',
        { class: 'facility', 'data-facility-id': f.id },
        el('h2', {}, f.name),
        el(
          'p',
          {},
          `${counts.available} available · ${counts.reserved} reserved · ${counts.occupied} occupied`,
        ),
        el(
          'div',
          { class: 'spaces' },
          ...spaces.map((s) =>
            el(
              'div',
              {
                class: 'space',
                'data-space-id': s.id,
                'data-status': s.status,
                title: `${s.label}, floor ${s.floor}: ${s.status}`,
              },
              el('div', { class: 'label' }, s.label),
              el(
                'div',
                { class: 'detail' },
                s.status === 'available' ? 'available' : `${s.plate ?? ''} ${s.status}`,
              ),
              el('div', { class: 'detail' }, ago(s.since)),
            ),
          ),
        ),
        el(
          'div',
          { class: 'gates' },
          ...[...f.gates.values()].map((g) => {
            const st = g.status ?? {};
            const alarms = st.alarms ?? [];
            return el(
              'div',
              { class: 'gate', 'data-gate-id': g.id, 'data-availability': st.availability ?? 'unknown' },
              el('strong', {}, g.name),
              ` ${g.direction} · ${st.availability ?? 'unknown'} · barrier ${st.barrier ?? '?'}`,
              st.phase ? ` · ${st.phase}` : '',
              alarms.length ? el('span', { class: 'alarm' }, ` ⚠ ${alarms.join(', ')}`) : '',
            );
          }),
        ),
      ),
    );
  }
  if (sections.length === 0) sections.push(el('p', {}, 'No facilities yet: register one through the API.'));
  root.replaceChildren(...sections);
  $('feed').replaceChildren(
    ...state.feed.map((e) =>
      el(
        'li',
        { 'data-seq': e.seq },
        el('time', {}, new Date(e.occurredAt).toLocaleTimeString()),
        `#${e.seq} ${e.type} ${summary(e.data ?? {})}`,
      ),
    ),
  );
}

function summary(d) {
  return ['plate', 'label', 'name', 'by', 'action', 'reason', 'outcome']
    .filter((k) => d[k])
    .map((k) => `${k}=${d[k]}`)
    .join(' ');
}

function failed(error) {
  if (error instanceof Unauthorized) signOut(error.message);
  else {
    console.error(error);
    setLink('error: see the console', 'down');
  }
}

// --- start --------------------------------------------------------------------------------------

$('sign-in').addEventListener('submit', (e) => {
  e.preventDefault();
  $('sign-in-error').textContent = '';
  signIn($('token').value.trim()).catch((error) => signOut(error.message));
});
$('sign-out').addEventListener('click', () => signOut());
setInterval(() => render(), 30_000);
setInterval(() => {
  if (state.token) reload().catch(failed);
}, RESYNC_MS);

if (state.token) signIn(state.token).catch((error) => signOut(error.message));
else show(false);

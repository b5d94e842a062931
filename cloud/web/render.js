// Draws the picture (picture.js). Everything from the server is written with textContent: nothing
// it says becomes markup.

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

function since(iso) {
  if (!iso) return '';
  const minutes = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 60_000));
  const clock = new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (minutes < 1) return `since ${clock}`;
  return minutes < 120 ? `since ${clock} (${minutes} min)` : `since ${clock} (${Math.round(minutes / 60)} h)`;
}

function summary(d) {
  return ['plate', 'label', 'name', 'by', 'action', 'reason', 'outcome']
    .filter((k) => d[k])
    .map((k) => `${k}=${d[k]}`)
    .join(' ');
}

function spaceTile(s) {
  return el(
    'div',
    {
      class: 'space',
      'data-space-id': s.id,
      'data-status': s.status,
      title: `${s.label}, floor ${s.floor}: ${s.status}`,
    },
    el('div', { class: 'label' }, s.label),
    el('div', { class: 'detail' }, s.status === 'available' ? 'available' : `${s.plate ?? ''} ${s.status}`),
    el('div', { class: 'detail' }, since(s.since)),
  );
}

function gateCard(g) {
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
}

export function render(picture, facilitiesRoot, feedRoot) {
  const sections = [];
  for (const f of [...picture.facilities.values()].sort((a, b) => a.name.localeCompare(b.name))) {
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
        el('div', { class: 'spaces' }, ...spaces.map(spaceTile)),
        el('div', { class: 'gates' }, ...[...f.gates.values()].map(gateCard)),
      ),
    );
  }
  if (sections.length === 0) sections.push(el('p', {}, 'No facilities yet: register one through the API.'));
  facilitiesRoot.replaceChildren(...sections);
  feedRoot.replaceChildren(
    ...picture.feed.map((e) =>
      el(
        'li',
        { 'data-seq': e.seq },
        el('time', {}, new Date(e.occurredAt).toLocaleTimeString()),
        `#${e.seq} ${e.type} ${summary(e.data ?? {})}`,
      ),
    ),
  );
}

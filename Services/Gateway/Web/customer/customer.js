// The customer's page (docs/architecture.md, "Web faces"), opened from an order's tracking link
// `/t/<token>`: no account, the link's token is the key. Everything comes from the API with that
// token — the order as a customer may see it, its tracking, its chat, its changes, its proof — and
// the stream keeps it current. The server sends the same page for every link.
import { LiveStream } from '/assets/stream.js';
import { language, loadLanguage, setLanguage, t, translate, time, dateTime } from '/assets/i18n.js';
import { h, clear, chime, toast } from '/assets/dom.js';
import { HoldToTalk } from '/assets/recorder.js';
import { ago, ageOf, baseMap, label, loadLeaflet, received, staleAfterSeconds, toMap } from '/assets/map.js';
import { VideoCall, callDialog } from '/assets/call.js';
import { MediaCache, bubble, taken } from '/assets/chat.js';
import { State, onTheWay, handedOver, ended, isIn, customerSteps, customerStep } from '/assets/order.js';
import { Event, Push, isMessage } from '/assets/names.js';
import { pushSupported, registerWorker, subscribePush } from '/assets/push.js';

const token = decodeURIComponent(location.pathname.split('/').pop() || '');
const orderId = claims(token)?.order || null;

const page = {
  order: null, shop: null, zone: undefined, tracking: null, messages: [], changes: new Map(), evidence: null,
  stream: new LiveStream({ link: token }), map: null, marker: null,
};
window.posy = page; // the page's state for tests and the browser's console
/** Photos and voice notes, fetched with the link's token. */
const media = new MediaCache(api);
/** Why a customer disputes a delivery (declared before the page starts: a delivered order shows them at once). */
const reasons = ['wilted', 'damaged', 'wrong', 'late', 'missing', 'other'];

/** The token's claims (read, not trusted: the server checks the token on every call). */
function claims(jwt) {
  try { return JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))); } catch { return null; }
}

class LinkError extends Error {
  constructor(status, body) { super(body?.message || 'HTTP ' + status); this.status = status; this.code = body?.code; }
}

/** The API with the link's token; a link that no longer works ends the page. */
async function api(method, path, body, { raw = false } = {}) {
  const headers = { Authorization: 'Bearer ' + token };
  let payload;
  if (body instanceof Blob) payload = body;
  else if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
  const r = await fetch(path, { method, headers, body: payload, credentials: 'omit' });
  if (r.status === 401) { gone('expired'); throw new LinkError(401, { code: 'unauthorized' }); }
  if (raw) return r;
  const data = r.status === 204 ? null : await r.json().catch(() => null);
  if (!r.ok) throw new LinkError(r.status, data);
  return data;
}

/** The link is expired, revoked or not a link: say so plainly, show nothing else, stop listening. */
function gone(why) {
  page.stream.stop();
  document.getElementById('main').hidden = true;
  const el = document.getElementById('gone');
  el.dataset.reason = why;
  el.textContent = t('track.' + why);
  el.hidden = false;
  document.getElementById('live').hidden = true;
}

function setLive(state) {
  const el = document.getElementById('live');
  el.dataset.state = state;
  el.textContent = t('live.' + state);
}

await loadLanguage();
const langSelect = document.getElementById('lang');
langSelect.value = language();
langSelect.addEventListener('change', async () => { await setLanguage(langSelect.value); render(); drawMap(); renderChat(); renderChanges(); renderAfter(); renderPrivacy(); });

if (!orderId || (claims(token)?.exp && claims(token).exp * 1000 < Date.now())) {
  gone(orderId ? 'expired' : 'invalid');
} else {
  try {
    await start();
  } catch (e) {
    if (e.status === 404) gone('invalid');
    else if (e.status !== 401) { document.getElementById('gone').textContent = t('track.unavailable'); document.getElementById('gone').hidden = false; }
  }
}

/** What is kept about the customer and for how long: the deployment's table, the shop's own days. */
async function loadPrivacy() {
  let table = [];
  try {
    table = await (await fetch('/v1/privacy/retention')).json();
  } catch {
    return;
  }
  const days = (kind) => {
    const own = { contact: page.shop?.retention?.contactDays, chat: page.shop?.retention?.chatDays }[kind];
    return Math.round(own ?? table.find((r) => r.kind === kind)?.days ?? 0);
  };
  page.privacy = ['contact', 'chat', 'media', 'positions'].map((kind) => ({ kind, days: days(kind) }));
  renderPrivacy();
}

function renderPrivacy() {
  const list = document.getElementById('privacy-list');
  if (!page.privacy) return;
  clear(list);
  for (const { kind, days } of page.privacy) list.append(h('li', { dataset: { kind } }, t('privacy.' + kind, { days })));
  list.append(h('li', { dataset: { kind: 'rights' } }, t('privacy.rights')));
}

async function start() {
  const id = encodeURIComponent(orderId);
  page.order = await api('GET', '/v1/orders/' + id);
  const [shop, tracking] = await Promise.all([
    api('GET', '/v1/shops/' + encodeURIComponent(page.order.shopId)).catch(() => null),
    isIn(onTheWay, page.order) ? api('GET', '/v1/orders/' + id + '/tracking').catch(() => null) : null,
  ]);
  page.shop = shop;
  page.zone = shop?.timeZone;
  page.tracking = tracking;
  document.getElementById('main').hidden = false;
  render();
  await Promise.all([loadChat(), loadAfter(), loadPrivacy()]);
  page.stream.addEventListener('state', (e) => { setLive(e.detail); if (e.detail === 'ended') gone('expired'); });
  page.stream.addEventListener('event', (e) => onEvent(e.detail));
  page.stream.addEventListener('push', (e) => onPush(e.detail));
  page.stream.addEventListener('reset', () => refreshAll());
  // The courier may call to show the flowers before the hand-over ("look before you sign").
  page.call = new VideoCall({ stream: page.stream, api, orderId: page.order.id, conversationId: page.order.conversationId });
  // "Looks good" / "please fix" goes into the order's evidence with the frame the customer saw.
  callDialog(page.call, {
    onVerdict: async (ok, note, still, callId) => {
      const snapshotId = still ? (await upload(new Blob([still], { type: 'image/jpeg' }))).id : undefined;
      page.look = await api('POST', '/v1/orders/' + encodeURIComponent(orderId) + '/look', { ok, note: note || undefined, snapshotId, callId });
    },
  });
  page.stream.start();
  drawMap();
}

async function refreshAll() {
  const id = encodeURIComponent(orderId);
  page.order = await api('GET', '/v1/orders/' + id).catch(() => page.order);
  page.tracking = await api('GET', '/v1/orders/' + id + '/tracking').catch(() => page.tracking);
  render();
  drawMap();
  loadChat();
  loadAfter();
}

// --- Live -----------------------------------------------------------------------------------------

function onEvent(f) {
  const d = f.data || {};
  if (f.type.startsWith(Event.changePrefix)) {
    page.changes.set(d.id, d);
    renderChanges();
    if (d.state !== 'pending') chime();
  } else if (f.type.startsWith(Event.orderPrefix) && d.order?.id === orderId) {
    const before = page.order?.state;
    page.order = d.order;
    if (!isIn(onTheWay, d.order) && page.tracking) page.tracking = { ...page.tracking, position: undefined, eta: undefined };
    render();
    drawMap();
    // On its way now: where the courier is and when they come (the fix that set off the departure
    // was taken before the order was out, so no push carried it).
    if (isIn(onTheWay, d.order) && !isIn(onTheWay, before)) {
      api('GET', '/v1/orders/' + encodeURIComponent(orderId) + '/tracking').then((v) => {
        if (!page.tracking?.position || v.position?.at >= page.tracking.position.at) { page.tracking = stamped(v); render(); drawMap(); }
      }).catch(() => {});
    }
    if (before !== d.order.state && d.order.state === State.arriving) chime();
    if (isIn(handedOver, d.order) && before !== d.order.state) loadAfter();
  } else if (f.type === Event.proofAccepted || f.type.startsWith(Event.deliveryConfirmed) || f.type.startsWith(Event.deliveryDisputed)) {
    loadAfter();
  }
}

function onPush(f) {
  if (f.type === Push.orderPosition && f.data?.orderId === orderId) {
    page.tracking = stamped(f.data);
    render();
    drawMap();
  } else if (isMessage(f) && f.conversationId === page.order?.conversationId) {
    if (f.type === Push.messageNew) taken(page.stream, f.data, 'customer');
    const i = page.messages.findIndex((m) => m.seq === f.data.seq);
    if (i >= 0) page.messages[i] = f.data; else page.messages.push(f.data);
    page.messages = page.messages.filter((m) => !m.pending || m.clientMsgId !== f.data.clientMsgId);
    page.messages.sort((a, b) => a.seq - b.seq);
    renderChat();
    if (f.data.party !== 'customer' && f.data.kind !== 'system') chime();
  }
}

// --- Status, window, courier, ETA -------------------------------------------------------------------

/**
 * "Tell me when the flowers are close" once they are on their way: this browser subscribes for the
 * order (Web Push through the customer's worker at /t/), and posy-notify's "arriving" and
 * "delivered" reach it with the page closed. `page.alerts` says how it went.
 */
document.getElementById('alerts-on').addEventListener('click', async () => {
  page.alerts = 'asking';
  render();
  try {
    page.alerts = await subscribePush(await registerWorker('/customer/sw.js', '/t/'), api);
  } catch (err) {
    page.alerts = 'unavailable: ' + err.message;
  }
  toast(t('alerts.' + (page.alerts === 'subscribed' ? 'on' : page.alerts === 'denied' ? 'denied' : 'unavailable')));
  render();
});

/** A tracking view whose position knows when it came, so its age grows on this page. */
function stamped(v) { return v?.position ? { ...v, position: received(v.position) } : v; }

// While the flowers are on their way the courier's age is redrawn every 5 s: a phone that went
// quiet shows as "last seen N min ago", never as a frozen marker passed off as live.
setInterval(() => { if (page.order && isIn(onTheWay, page.order) && page.tracking?.position) render(); }, 5000);

function render() {
  translate(document);
  setLive(document.getElementById('live').dataset.state);
  const o = page.order;
  if (!o) return;
  document.getElementById('title').textContent = page.shop ? t('track.fromShop', { shop: page.shop.name }) : t('track.title');
  const stage = customerStep(o.state);
  // The stepper's items are made once and updated in place.
  const steps = document.getElementById('steps');
  if (steps.children.length !== customerSteps.length) clear(steps).append(...customerSteps.map(() => h('li')));
  customerSteps.forEach((s, i) => {
    const li = steps.children[i];
    li.className = stage === undefined ? '' : i < stage ? 'done' : i === stage ? 'now' : '';
    if (i === stage) li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current');
    li.textContent = t('track.step.' + s);
  });
  const state = document.getElementById('state');
  state.dataset.state = o.state;
  state.textContent = t('track.state.' + o.state);
  const day = new Intl.DateTimeFormat(language(), { weekday: 'short', month: 'short', day: 'numeric', timeZone: page.zone }).format(new Date(o.window.start));
  document.getElementById('window').textContent = t('track.window', { day, from: time(o.window.start, page.zone), to: time(o.window.end, page.zone) });
  document.getElementById('courier').textContent = o.courier ? t('track.courier', { name: o.courier.firstName, vehicle: t('vehicle.' + o.courier.vehicle) }) : '';
  document.getElementById('arriving').hidden = o.state !== State.arriving;
  const eta = isIn(onTheWay, o) ? page.tracking?.eta : null;
  const position = isIn(onTheWay, o) ? page.tracking?.position : null;
  const age = position ? ageOf(position) : 0;
  const stale = age > staleAfterSeconds;
  const seen = document.getElementById('seen');
  seen.hidden = !stale;
  seen.textContent = stale ? t('track.lastSeen', { ago: ago(age) }) : '';
  document.getElementById('map').dataset.stale = String(stale);
  page.marker?.getElement?.()?.classList.toggle('stale', stale);
  const etaEl = document.getElementById('eta');
  etaEl.dataset.at = eta?.at || '';
  etaEl.dataset.stale = String(!!eta && stale);
  // An ETA is posy-location's estimate from the last fix; an old fix makes that worth saying.
  etaEl.textContent = !eta ? '' : stale ? t('track.etaStale', { ago: ago(age), at: time(eta.at, page.zone) })
    : t('track.eta', { at: time(eta.at, page.zone), min: Math.max(1, Math.round(eta.seconds / 60)) });
  // Posy's prediction (posy-location's ETA) says the flowers will come after the window: say so now.
  const late = eta && Date.parse(eta.at) > Date.parse(o.window.end);
  const delay = document.getElementById('delay');
  delay.hidden = !late;
  if (late) delay.textContent = t('track.delay', { at: time(eta.at, page.zone), end: time(o.window.end, page.zone) });
  document.getElementById('change').hidden = isIn(ended, o);
  document.getElementById('alerts').hidden = !(pushSupported() && isIn(onTheWay, o) && (page.alerts === undefined || page.alerts === 'asking'));
}

// --- The map ------------------------------------------------------------------------------------------

async function drawMap() {
  const o = page.order;
  const r = o?.recipient;
  const el = document.getElementById('map');
  if (!page.map) {
    if (page.mapLoading) return;
    page.mapLoading = true;
    const lib = await loadLeaflet();
    if (!lib || r?.lat == null) { el.hidden = true; return; }
    const { L } = lib;
    page.L = L;
    page.map = baseMap(lib, el, { zoomControl: true }).setView(toMap([r.lat, r.lon]), 15);
    page.destination = L.circleMarker(toMap([r.lat, r.lon]), { radius: 10, color: '#7a1f5c', fillOpacity: 0.9, className: 'destination-marker' })
      .addTo(page.map).bindTooltip(label(t('track.destination')), { permanent: true, direction: 'top' });
  }
  const L = page.L;
  page.destination.setLatLng(toMap([r.lat, r.lon]));
  page.destination.setTooltipContent(label(t('track.destination')));
  // The courier only while the flowers are on their way (the API gives no position otherwise).
  const p = isIn(onTheWay, o) ? page.tracking?.position : null;
  if (p) {
    if (!page.marker) {
      page.marker = L.circleMarker(toMap([p.lat, p.lon]), { radius: 8, color: '#0b6e4f', fillOpacity: 0.9, className: 'courier-marker' })
        .addTo(page.map).bindTooltip(label(o.courier?.firstName || t('party.courier')), { permanent: true, direction: 'right' });
      // The container may have been measured before Leaflet's stylesheet applied: measure again first.
      page.map.invalidateSize();
      // At once: an animated zoom that a busy or hidden tab never finishes left the courier off the map.
      page.map.fitBounds(L.latLngBounds([toMap([r.lat, r.lon]), toMap([p.lat, p.lon])]).pad(0.3), { maxZoom: 16, animate: false });
    } else {
      page.marker.setLatLng(toMap([p.lat, p.lon]));
      // Keep both in view as the courier comes closer: refit when one leaves the view or the two
      // take up less than a quarter of it.
      const both = L.latLngBounds([toMap([r.lat, r.lon]), toMap([p.lat, p.lon])]);
      const view = page.map.getBounds();
      const share = (both.getNorth() - both.getSouth()) / (view.getNorth() - view.getSouth() || 1);
      if (!view.pad(-0.1).contains(both) || share < 0.25) page.map.fitBounds(both.pad(0.3), { maxZoom: 17, animate: false });
    }
    page.markerAt = p.at;
    el.dataset.courier = p.lat.toFixed(5) + ',' + p.lon.toFixed(5);
  } else if (page.marker) {
    page.marker.remove();
    page.marker = null;
    delete el.dataset.courier;
  }
}

// --- Chat -------------------------------------------------------------------------------------------

async function loadChat() {
  const c = encodeURIComponent(page.order.conversationId);
  const list = await api('GET', '/v1/conversations/' + c + '/messages?limit=100').catch(() => null);
  if (list) { page.messages = list.messages; renderChat(); taken(page.stream, list.messages.at(-1), 'customer'); }
}

function renderChat() {
  const el = clear(document.getElementById('messages'));
  for (const m of page.messages) el.append(bubble(m, { mine: m.party === 'customer', media, zone: page.zone }));
  el.scrollTop = el.scrollHeight;
}

async function send(message) {
  const clientMsgId = crypto.randomUUID();
  const c = encodeURIComponent(page.order.conversationId);
  const reply = await api('POST', '/v1/conversations/' + c + '/messages', { clientMsgId, ...message });
  const m = reply.message;
  if (!page.messages.some((x) => x.seq === m.seq)) page.messages.push(m);
  page.messages.sort((a, b) => a.seq - b.seq);
  renderChat();
}

async function upload(blob) {
  const r = await api('POST', '/v1/media?orderId=' + encodeURIComponent(orderId), blob, { raw: true });
  const body = await r.json().catch(() => null);
  if (r.status !== 201) throw new LinkError(r.status, body);
  return body;
}

document.getElementById('composer').addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = document.getElementById('chat-text');
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  try { await send({ kind: 'text', text }); } catch (err) { input.value = text; toast(err.message); }
});
document.getElementById('chat-photo').addEventListener('change', async (e) => {
  const file = e.target.files[0];
  e.target.value = '';
  if (!file) return;
  try { const media = await upload(file); await send({ kind: 'image', mediaId: media.id }); } catch (err) { toast(err.message); }
});
new HoldToTalk(document.getElementById('chat-voice'), async (blob, type, durationMs, waveform) => {
  try { const media = await upload(blob); await send({ kind: 'voice', mediaId: media.id, durationMs, waveform }); } catch (err) { toast(err.message); }
}, () => toast(t('chat.noMicrophone')));

// --- Changing the delivery ------------------------------------------------------------------------------

const kindSelect = document.getElementById('change-kind');
kindSelect.addEventListener('change', () => {
  const window = kindSelect.value === 'window';
  document.getElementById('change-window').hidden = !window;
  document.getElementById('change-text-label').hidden = window;
});

/** `HH:MM` on the window's day in the shop's zone → RFC 3339 (the zone's offset that day). */
function onWindowDay(hhmm) {
  const start = new Date(page.order.window.start);
  const zone = page.zone || 'UTC';
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false })
    .formatToParts(start).map((p) => [p.type, p.value]));
  const asUTC = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute);
  const offset = asUTC - Math.floor(start.getTime() / 60000) * 60000;
  const [hh, mm] = hhmm.split(':').map(Number);
  return new Date(Date.UTC(+parts.year, +parts.month - 1, +parts.day, hh, mm) - offset).toISOString();
}

document.getElementById('change-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const error = document.getElementById('change-error');
  error.textContent = '';
  const kind = kindSelect.value;
  let change;
  if (kind === 'window') {
    const from = document.getElementById('change-start').value;
    const to = document.getElementById('change-end').value;
    if (!from || !to) { error.textContent = t('track.changeTimes'); return; }
    change = { window: { start: onWindowDay(from), end: onWindowDay(to) } };
  } else {
    const text = document.getElementById('change-text').value.trim();
    if (!text) { error.textContent = t('track.changeDetailNeeded'); return; }
    change = { dropOff: { kind, description: text } };
  }
  try {
    const c = await api('POST', '/v1/orders/' + encodeURIComponent(orderId) + '/changes', change);
    page.changes.set(c.id, c);
    document.getElementById('change-text').value = '';
    renderChanges();
  } catch (err) {
    error.textContent = err.message;
  }
});

function describe(c) {
  if (c.change.dropOff) return t('change.dropOff.' + c.change.dropOff.kind) + ': ' + c.change.dropOff.description;
  if (c.change.window) return t('change.window') + ': ' + time(c.change.window.start, page.zone) + '–' + time(c.change.window.end, page.zone);
  if (c.change.address) return t('change.address') + ': ' + c.change.address.address;
  return '';
}

function renderChanges() {
  const el = clear(document.getElementById('changes'));
  for (const c of [...page.changes.values()].sort((a, b) => a.requestedAt.localeCompare(b.requestedAt))) {
    el.append(h('li', { dataset: { change: c.id, state: c.state } }, describe(c), ' — ',
      h('strong', { class: 'state' }, t('track.change.' + c.state)), c.reason ? h('span', { class: 'muted' }, ' (' + c.reason + ')') : null));
  }
}

// --- After delivery: the proof, confirm or dispute -----------------------------------------------------------

async function loadAfter() {
  if (!isIn(handedOver, page.order)) { renderAfter(); return; }
  page.evidence = await api('GET', '/v1/orders/' + encodeURIComponent(orderId) + '/evidence').catch(() => page.evidence);
  renderAfter();
}

function renderAfter() {
  const section = document.getElementById('after');
  const ev = page.evidence;
  section.hidden = !ev || !isIn(handedOver, page.order);
  if (section.hidden) return;
  // Drawn again only when something in it changed: a redraw would drop a dispute being typed.
  const drawn = JSON.stringify([language(), ev.proofs.map((p) => p.id), ev.confirmations.map((c) => c.at)]);
  if (section.dataset.drawn === drawn) return;
  section.dataset.drawn = drawn;
  const proof = clear(document.getElementById('proof'));
  for (const p of ev.proofs) {
    for (const m of p.photos) proof.append(h('figure', {}, media.image(m.id, t('detail.proofPhoto')), h('figcaption', {}, dateTime(p.submittedAt, page.zone))));
  }
  const answer = clear(document.getElementById('answer'));
  const given = ev.confirmations[0];
  if (given) {
    answer.append(h('p', { class: given.ok ? 'ok-text' : 'danger-text', dataset: { answer: given.ok ? 'confirmed' : 'disputed' } },
      t(given.ok ? 'track.thanks' : 'track.disputed', { at: dateTime(given.at, page.zone) })));
    return;
  }
  const note = h('textarea', { rows: 2, maxlength: 2000, 'aria-label': t('courier.note') });
  const reason = h('select', { 'aria-label': t('track.disputeWhy') }, reasons.map((r) => h('option', { value: r }, t('dispute.' + r))));
  const photo = h('input', { type: 'file', accept: 'image/*' });
  const result = h('p', { class: 'error', role: 'alert' });
  const answerWith = async (body, button) => {
    button.disabled = true;
    try {
      if (!body.ok && photo.files[0]) body.mediaIds = [(await upload(photo.files[0])).id];
      await api('POST', '/v1/orders/' + encodeURIComponent(orderId) + '/confirmation', body);
      await loadAfter();
    } catch (err) {
      result.textContent = err.message;
      button.disabled = false;
    }
  };
  const confirmButton = h('button', { type: 'button', class: 'primary big', dataset: { act: 'confirm' }, onclick: (e) => answerWith({ ok: true }, e.target) }, t('track.confirm'));
  answer.append(h('div', { class: 'actions' }, confirmButton),
    h('details', { class: 'dispute' }, h('summary', {}, t('track.problem')),
      h('label', {}, h('span', {}, t('track.disputeWhy')), reason),
      h('label', {}, h('span', {}, t('courier.note')), note),
      h('label', { class: 'file' }, h('span', {}, t('courier.addPhoto')), photo),
      h('button', { type: 'button', class: 'danger', dataset: { act: 'dispute' }, onclick: (e) => answerWith({ ok: false, reason: reason.value, note: note.value.trim() || undefined }, e.target) }, t('track.dispute'))),
    result);
}

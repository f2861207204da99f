// The courier app (docs/architecture.md, "Web faces"): a phone page that keeps working without
// signal. What the courier does goes through the outbox (outbox.js) and is sent in order when the
// connection is there; the app shell comes from the service worker's cache (sw.js).
import { api, onSession, refresh } from '/assets/session.js';
import { LiveStream } from '/assets/stream.js';
import { language, loadLanguage, setLanguage, t, translate, time } from '/assets/i18n.js';
import { h, clear, chime, toast } from '/assets/dom.js';
import { Outbox } from './outbox.js';
import { HoldToTalk } from '/assets/recorder.js';

const active = ['assigned', 'accepted', 'pickedUp', 'outForDelivery', 'arriving'];
/** How often kept positions are sent while on duty (a fix is taken whenever the phone has one):
 *  posy-location pushes a courier's position at most every 2 s, so more often buys nothing. */
const cadence = 3000;
/** posy-orders' default time to accept an assignment (docs/operations.md, `--accept-timeout`). */
const acceptWindow = 180_000;

const app = {
  me: null, shop: null, zone: 'UTC', orders: new Map(), open: null, messages: [],
  stream: new LiveStream(), outbox: new Outbox(), watch: null, lastFix: null, assignedAt: new Map(),
};
window.posy = app; // the page's state for tests and the browser's console; no secrets

if ('serviceWorker' in navigator) navigator.serviceWorker.register('/courier/sw.js', { scope: '/courier/' }).catch(() => {});

await loadLanguage();
const langSelect = document.getElementById('lang');
langSelect.value = language();
langSelect.addEventListener('change', async () => { await setLanguage(langSelect.value); render(); });

onSession((s) => { if (!s) ended(); });
const session = await refresh().catch(() => null);
if (!session) {
  // No signal: the shell still opens from the cache; what is kept waits.
  if (!navigator.onLine) setLive('offline'); else ended();
} else {
  if (session.person.role !== 'courier') location.replace('/console/');
  await start(session);
}

async function start(s) {
  const shop = encodeURIComponent(s.person.shopId);
  const [shopInfo, me, page] = await Promise.all([
    api('GET', '/v1/shops/' + shop), api('GET', '/v1/shops/' + shop + '/couriers'), api('GET', '/v1/orders?limit=200'),
  ]);
  app.shop = shopInfo;
  app.zone = shopInfo.timeZone;
  app.me = me[0];
  for (const o of page.items) app.orders.set(o.id, o);
  document.getElementById('duty').checked = !!app.me?.onDuty;
  app.outbox.stream = app.stream;
  app.stream.addEventListener('state', (e) => { setLive(e.detail); if (e.detail === 'ended') ended(); if (e.detail === 'live') app.outbox.drain(); });
  app.stream.addEventListener('event', (e) => onEvent(e.detail));
  app.stream.addEventListener('push', (e) => onPush(e.detail));
  app.stream.addEventListener('reset', () => reload());
  app.stream.start();
  render();
  track();
  for (const o of app.orders.values()) if (o.state === 'assigned') offer(o);
}

async function reload() {
  const page = await api('GET', '/v1/orders?limit=200').catch(() => null);
  if (!page) return;
  app.orders = new Map(page.items.map((o) => [o.id, o]));
  render();
}

function setLive(state) {
  const el = document.getElementById('live');
  el.dataset.state = state;
  el.textContent = t('live.' + state);
  document.getElementById('offline').hidden = state !== 'offline';
}

function ended() {
  document.getElementById('ended').hidden = false;
  app.stream.stop();
  setLive('ended');
}

// --- Duty and positions -------------------------------------------------------------------------

document.getElementById('duty').addEventListener('change', async (e) => {
  const on = e.target.checked;
  try {
    app.me = await api('POST', '/v1/couriers/' + encodeURIComponent(app.me.id) + '/duty', { onDuty: on });
  } catch (err) {
    e.target.checked = !on;
    toast(err.message);
  }
  track();
});

/** Positions are taken while on duty and sent at the cadence; off duty nothing runs. */
function track() {
  const on = !!app.me?.onDuty;
  if (on && app.watch === null && navigator.geolocation) {
    app.watch = navigator.geolocation.watchPosition((p) => fix(p), () => {}, { enableHighAccuracy: true, maximumAge: 2000 });
    app.timer = setInterval(() => app.outbox.drain(), cadence);
  } else if (!on && app.watch !== null) {
    navigator.geolocation.clearWatch(app.watch);
    clearInterval(app.timer);
    app.watch = null;
  }
}

function fix(p) {
  const c = p.coords;
  app.lastFix = { lat: c.latitude, lon: c.longitude, accuracy: Math.max(1, c.accuracy || 10) };
  // Only with a delivery under way: an idle courier's whereabouts are nobody's business.
  if (![...app.orders.values()].some((o) => active.includes(o.state) && o.state !== 'assigned')) return;
  app.outbox.add({
    kind: 'position',
    fix: { ...app.lastFix, speed: c.speed ?? undefined, heading: c.heading ?? undefined, at: new Date(p.timestamp).toISOString() },
  });
}

// --- Live -----------------------------------------------------------------------------------------

function onEvent(f) {
  const d = f.data || {};
  if (f.type.startsWith('order.') && d.order) {
    const before = app.orders.get(d.order.id);
    app.orders.set(d.order.id, d.order);
    if (d.order.state === 'assigned' && d.order.courierId === app.me?.id && before?.state !== 'assigned') {
      app.assignedAt.set(d.order.id, Date.parse(f.at || d.at) || Date.now());
      offer(d.order);
    }
    render();
  } else if (f.type.startsWith('exception.') && app.open === d.orderId) {
    toast(t('courier.shopAnswered', { state: t('problems.state.' + d.state) }));
  }
}

function onPush(f) {
  if ((f.type === 'msg.new' || f.type === 'msg.recalled') && app.open && app.orders.get(app.open)?.conversationId === f.conversationId) {
    const i = app.messages.findIndex((m) => m.seq === f.data.seq);
    if (i >= 0) app.messages[i] = f.data; else app.messages.push(f.data);
    app.messages.sort((a, b) => a.seq - b.seq);
    renderChat();
    if (f.data.senderId !== app.me?.id && f.data.kind !== 'system') chime();
  }
}

// --- A new assignment -------------------------------------------------------------------------------

let countdown;
function offer(o) {
  const dialog = document.getElementById('assignment');
  const started = app.assignedAt.get(o.id) || Date.parse(o.updatedAt) || Date.now();
  clear(document.getElementById('assignment-body')).append(summary(o));
  chime();
  navigator.vibrate?.([200, 100, 200]);
  clearInterval(countdown);
  const tick = () => {
    const left = Math.max(0, Math.round((started + acceptWindow - Date.now()) / 1000));
    document.getElementById('countdown').textContent = t('courier.acceptWithin', { s: left });
  };
  tick();
  countdown = setInterval(tick, 1000);
  document.getElementById('accept').onclick = () => { dialog.close(); tap(o, 'accept', 'accepted'); };
  document.getElementById('later').onclick = () => dialog.close();
  dialog.addEventListener('close', () => clearInterval(countdown), { once: true });
  if (!dialog.open) dialog.showModal();
}

// --- Taps -------------------------------------------------------------------------------------------

/** A status tap: kept in the outbox, sent in order; the screen follows the order's events. */
function tap(o, action, target, body = {}) {
  app.outbox.add({ kind: 'http', method: 'POST', path: '/v1/orders/' + encodeURIComponent(o.id) + '/' + action, body, label: t('courier.action.' + action), target, orderId: o.id });
}

// --- Rendering ------------------------------------------------------------------------------------

function badges(o) {
  return [
    o.handling?.keepCool && h('span', { class: 'badge-rule cool' }, t('courier.keepCool')),
    o.handling?.noDoorstep && h('span', { class: 'badge-rule nodoor' }, t('courier.noDoorstep')),
    o.surprise && h('span', { class: 'badge-rule surprise' }, t('courier.surprise')),
    o.handling?.fragile && h('span', { class: 'badge-rule' }, t('handling.fragile')),
    o.handling?.needsWater && h('span', { class: 'badge-rule' }, t('handling.needsWater')),
  ].filter(Boolean);
}

function summary(o) {
  return h('div', { class: 'summary' },
    h('p', { class: 'window' }, time(o.window.start, app.zone) + '–' + time(o.window.end, app.zone)),
    h('p', {}, o.recipient?.address || ''),
    h('div', { class: 'badges' }, badges(o)));
}

function render() {
  translate(document);
  setLive(document.getElementById('live').dataset.state);
  const list = clear(document.getElementById('tasks'));
  const mine = [...app.orders.values()].filter((o) => active.includes(o.state) || o.state === 'delivered')
    .sort((a, b) => Date.parse(a.window.start) - Date.parse(b.window.start));
  for (const o of mine) {
    list.append(h('li', {}, h('button', { type: 'button', class: 'task', dataset: { order: o.id, state: o.state }, onclick: () => openTask(o.id) },
      h('span', { class: 'window' }, time(o.window.start, app.zone) + '–' + time(o.window.end, app.zone)),
      h('span', { class: 'state' }, t('state.' + o.state)),
      h('span', { class: 'address' }, o.recipient?.address || ''),
      h('span', { class: 'badges' }, badges(o)))));
  }
  if (!mine.length) list.append(h('li', { class: 'muted' }, t('courier.noTasks')));
  if (app.open) renderTask();
}

function openTask(id) {
  app.open = id;
  document.getElementById('list-view').hidden = true;
  document.getElementById('task-view').hidden = false;
  app.messages = [];
  renderTask();
  loadChat();
}

function closeTask() {
  app.open = null;
  document.getElementById('task-view').hidden = true;
  document.getElementById('list-view').hidden = false;
}

function renderTask() {
  const o = app.orders.get(app.open);
  const view = document.getElementById('task-view');
  if (!o) { closeTask(); return; }
  const r = o.recipient || {};
  const dest = r.lat != null ? r.lat + ',' + r.lon : '';
  const actions = h('div', { class: 'steps' });
  const step = (action, target, label) => h('button', { type: 'button', class: 'primary big', dataset: { act: action }, onclick: () => tap(o, action, target) }, label);
  if (o.state === 'assigned') actions.append(step('accept', 'accepted', t('courier.accept')));
  if (o.state === 'accepted') actions.append(step('pickup', 'pickedUp', t('courier.pickedUp')));
  if (o.state === 'pickedUp') actions.append(step('depart', 'outForDelivery', t('courier.onMyWay')));
  if (['outForDelivery', 'arriving'].includes(o.state)) {
    actions.append(h('button', { type: 'button', class: 'primary big', dataset: { act: 'proof' }, onclick: () => proof(o) }, t('courier.deliver')));
  }
  if (['accepted', 'pickedUp', 'outForDelivery', 'arriving'].includes(o.state)) {
    actions.append(h('button', { type: 'button', class: 'big', dataset: { act: 'problem' }, onclick: () => problem(o) }, t('courier.reportProblem')));
    const reason = h('select', { 'aria-label': t('courier.failReason') }, ['recipientAbsent', 'refused', 'addressWrong', 'damaged', 'other'].map((k) => h('option', { value: k }, t('courier.fail.' + k))));
    actions.append(h('details', { class: 'fail' }, h('summary', {}, t('courier.cannotDeliver')), reason,
      h('button', { type: 'button', class: 'danger', onclick: () => tap(o, 'fail', 'failed', { reason: t('courier.fail.' + reason.value) }) }, t('courier.confirmFail'))));
  }
  clear(view).append(...[
    h('button', { type: 'button', class: 'quiet back', onclick: closeTask }, '‹ ' + t('courier.tasks')),
    h('h1', {}, time(o.window.start, app.zone) + '–' + time(o.window.end, app.zone)),
    h('p', { class: 'state', dataset: { state: o.state } }, t('state.' + o.state)),
    h('div', { class: 'badges' }, badges(o)),
    o.surprise ? h('p', { class: 'rule' }, t('courier.surpriseRule')) : null,
    h('dl', { class: 'facts' },
      h('dt', {}, t('detail.recipient')), h('dd', {}, r.name || t('courier.hidden')),
      h('dt', {}, t('courier.address')), h('dd', {}, r.address || t('courier.hidden')),
      h('dt', {}, t('detail.items')), h('dd', {}, o.items.map((i) => i.quantity + ' × ' + i.name).join(', ')),
      o.dropOff ? [h('dt', {}, t('courier.dropOff')), h('dd', {}, t('change.dropOff.' + o.dropOff.kind) + ': ' + o.dropOff.description)] : null,
      o.notes ? [h('dt', {}, t('field.notes')), h('dd', {}, o.notes)] : null),
    h('div', { class: 'links' },
      dest ? h('a', { class: 'button', href: 'geo:' + dest + '?q=' + dest }, t('courier.navigate')) : null,
      dest ? h('a', { class: 'button', href: 'https://www.openstreetmap.org/?mlat=' + r.lat + '&mlon=' + r.lon + '#map=17/' + r.lat + '/' + r.lon, rel: 'noreferrer', target: '_blank' }, t('courier.map')) : null,
      r.phone && !o.surprise ? h('a', { class: 'button', href: 'tel:' + r.phone.replace(/[^\d+]/g, '') }, t('courier.call')) : null),
    actions,
    h('section', { class: 'chat' }, h('h2', {}, t('nav.chat')), h('ol', { id: 'messages', class: 'messages', 'aria-live': 'polite' }),
      h('form', { class: 'composer', onsubmit: (e) => { e.preventDefault(); say(o); } },
        h('input', { id: 'chat-text', autocomplete: 'off', 'aria-label': t('chat.message'), placeholder: t('chat.placeholder') }),
        h('button', { type: 'button', id: 'chat-voice', class: 'voice' }, t('chat.voice')),
        h('button', { type: 'submit', class: 'primary' }, t('chat.send'))))].filter(Boolean));
  // A redraw while the courier holds the button ends that recording (and sends it) first.
  app.talk?.stop();
  app.talk = new HoldToTalk(document.getElementById('chat-voice'), (blob, type, durationMs) => voice(o, blob, type, durationMs),
    () => toast(t('chat.noMicrophone')));
  renderChat();
}

// --- Chat -------------------------------------------------------------------------------------------

async function loadChat() {
  const o = app.orders.get(app.open);
  if (!o || o.state === 'assigned') return;
  const page = await api('GET', '/v1/conversations/' + encodeURIComponent(o.conversationId) + '/messages?limit=50').catch(() => null);
  if (page && app.open === o.id) { app.messages = page.messages; renderChat(); }
}

function renderChat() {
  const el = document.getElementById('messages');
  if (!el) return;
  clear(el);
  for (const m of app.messages) {
    el.append(h('li', { class: 'msg ' + (m.senderId === app.me?.id ? 'mine' : m.party), dataset: { seq: m.seq } },
      h('span', { class: 'who' }, t('party.' + m.party)), m.recalledAt ? h('em', {}, t('chat.recalled')) : (m.text || (m.kind === 'voice' ? '🎤' : m.kind === 'image' ? '📷' : '')),
      h('time', { datetime: m.at }, time(m.at, app.zone))));
  }
}

function say(o) {
  const input = document.getElementById('chat-text');
  const text = input.value.trim();
  if (!text) return;
  const id = crypto.randomUUID();
  app.outbox.add({ id, kind: 'http', method: 'POST', path: '/v1/conversations/' + encodeURIComponent(o.conversationId) + '/messages',
    body: { clientMsgId: id, kind: 'text', text }, label: t('courier.message') });
  app.messages.push({ seq: Number.MAX_SAFE_INTEGER, senderId: app.me.id, party: 'courier', text, at: new Date().toISOString(), pending: true });
  input.value = '';
  renderChat();
}

/** A voice message: the recording is uploaded now (it needs the connection), the message then goes
 *  through the outbox like any other. */
async function voice(o, blob, type, durationMs) {
  try {
    const media = await upload(blob, o);
    const id = crypto.randomUUID();
    app.outbox.add({ id, kind: 'http', method: 'POST', path: '/v1/conversations/' + encodeURIComponent(o.conversationId) + '/messages',
      body: { clientMsgId: id, kind: 'voice', mediaId: media.id, durationMs }, label: t('chat.voiceMessage') });
  } catch (e) {
    toast(e.message);
  }
}

app.outbox.addEventListener('sent', (e) => {
  const m = e.detail.reply?.message;
  if (!m) return;
  app.messages = app.messages.filter((x) => !x.pending || x.text !== m.text);
  if (!app.messages.some((x) => x.seq === m.seq)) app.messages.push(m);
  app.messages.sort((a, b) => a.seq - b.seq);
  renderChat();
});

// --- Problems ---------------------------------------------------------------------------------------

const kinds = ['traffic', 'accessDenied', 'recipientUnreachable', 'damaged', 'wrongAddress', 'other'];
function problem(o) {
  const dialog = document.getElementById('problem');
  const note = document.getElementById('problem-note');
  const photo = document.getElementById('problem-photo');
  note.value = '';
  photo.value = '';
  clear(document.getElementById('problem-kinds')).append(...kinds.map((k) => h('button', { type: 'button', class: 'big', dataset: { kind: k }, onclick: async () => {
    dialog.close();
    const mediaIds = [];
    if (photo.files[0]) {
      try { mediaIds.push((await upload(photo.files[0], o)).id); } catch { toast(t('courier.photoLater')); }
    }
    const id = crypto.randomUUID();
    app.outbox.add({ id, kind: 'http', method: 'POST', path: '/v1/orders/' + encodeURIComponent(o.id) + '/exceptions',
      body: { kind: k, note: note.value.trim() || undefined, clientId: id, mediaIds: mediaIds.length ? mediaIds : undefined,
        lat: app.lastFix?.lat, lon: app.lastFix?.lon }, label: t('exception.' + k) });
  } }, t('exception.' + k))));
  dialog.showModal();
}

for (const b of document.querySelectorAll('dialog [data-close]')) b.addEventListener('click', () => b.closest('dialog').close());

// --- Proof of delivery ------------------------------------------------------------------------------

/** Uploads a photo for the order with progress; resolves with the media record. */
function upload(blob, o, progress) {
  return new Promise((resolve, reject) => {
    refresh().then((s) => {
      const x = new XMLHttpRequest();
      x.open('POST', '/v1/media?orderId=' + encodeURIComponent(o.id));
      x.setRequestHeader('Authorization', 'Bearer ' + s.accessToken);
      x.setRequestHeader('Content-Type', blob.type || 'image/jpeg');
      x.upload.onprogress = (e) => progress?.(e.loaded / (e.total || 1));
      x.onload = () => (x.status === 201 ? resolve(JSON.parse(x.responseText)) : reject(new Error(JSON.parse(x.responseText || '{}').message || x.status)));
      x.onerror = () => reject(new Error(t('courier.noSignal')));
      x.send(blob);
    }, reject);
  });
}

let shot = null;
function proof(o) {
  const dialog = document.getElementById('proof');
  const video = document.getElementById('camera');
  const preview = document.getElementById('proof-preview');
  const submit = document.getElementById('proof-submit');
  const handed = document.getElementById('handed-to');
  const warning = document.getElementById('proof-warning');
  const result = document.getElementById('proof-result');
  shot = null;
  submit.disabled = true;
  preview.hidden = true;
  result.textContent = '';
  warning.hidden = true;
  let stream = null;
  const stop = () => { stream?.getTracks().forEach((tr) => tr.stop()); video.hidden = true; };
  navigator.mediaDevices?.getUserMedia({ video: { facingMode: 'environment' } }).then((s) => {
    stream = s;
    video.srcObject = s;
    video.hidden = false;
    video.play();
  }).catch(() => {});
  const take = (blob) => {
    shot = blob;
    preview.src = URL.createObjectURL(blob);
    preview.hidden = false;
    submit.disabled = false;
    stop();
  };
  document.getElementById('snap').onclick = () => {
    if (!stream) { document.getElementById('proof-file').click(); return; }
    const c = document.createElement('canvas');
    c.width = video.videoWidth || 640;
    c.height = video.videoHeight || 480;
    c.getContext('2d').drawImage(video, 0, 0, c.width, c.height);
    c.toBlob((b) => take(b), 'image/jpeg', 0.85);
  };
  document.getElementById('proof-file').onchange = (e) => { if (e.target.files[0]) take(e.target.files[0]); };
  // A no-doorstep order is never left outside without the shop's word: warn before it is sent.
  handed.onchange = () => { warning.hidden = !(o.handling?.noDoorstep && handed.value === 'safePlace'); };
  handed.onchange();
  submit.onclick = async () => {
    if (!shot) return;
    if (!warning.hidden && !confirm(t('courier.noDoorstepConfirm'))) return;
    submit.disabled = true;
    const bar = document.getElementById('proof-progress');
    bar.hidden = false;
    try {
      const media = await upload(shot, o, (p) => { bar.value = p; });
      const detail = document.getElementById('handed-detail').value.trim();
      const kind = handed.value;
      const reply = await api('POST', '/v1/orders/' + encodeURIComponent(o.id) + '/proof', {
        photoIds: [media.id], lat: app.lastFix?.lat ?? o.recipient?.lat, lon: app.lastFix?.lon ?? o.recipient?.lon,
        accuracy: app.lastFix?.accuracy ?? 50,
        handedTo: { kind, name: kind === 'neighbour' || kind === 'recipient' ? detail || undefined : undefined, description: kind === 'safePlace' || kind === 'reception' ? detail || undefined : undefined },
      });
      const checks = reply.checks || {};
      result.textContent = t('courier.proofTaken', { m: Math.round(checks.distanceMeters ?? 0) }) + (checks.late ? ' · ' + t('courier.late', { n: checks.lateMinutes }) : '');
      result.dataset.ok = 'true';
    } catch (e) {
      result.textContent = e.message + ' — ' + t('courier.tryAgain');
      submit.disabled = false;
    } finally {
      bar.hidden = true;
    }
  };
  dialog.addEventListener('close', stop, { once: true });
  dialog.showModal();
}

// --- What waits -------------------------------------------------------------------------------------

app.outbox.addEventListener('change', async () => {
  const [waiting, refused] = await Promise.all([app.outbox.pending(), app.outbox.refused()]);
  const el = document.getElementById('queue');
  const positions = waiting.filter((w) => w.kind === 'position').length;
  const actions = waiting.filter((w) => w.kind !== 'position');
  el.hidden = !waiting.length && !refused.length;
  clear(el);
  if (actions.length || positions) {
    el.append(h('p', { dataset: { waiting: actions.length, positions } }, t('courier.waiting', { n: actions.length, p: positions }),
      ' ', actions.map((a) => h('span', { class: 'tag' }, a.label || ''))));
  }
  if (refused.length) {
    el.append(h('p', { class: 'danger-text', dataset: { refused: refused.length } }, t('courier.refused'), ' ',
      refused.map((r) => h('span', { class: 'tag' }, (r.label || '') + ': ' + r.reason)),
      h('button', { type: 'button', class: 'quiet', onclick: () => app.outbox.clearRefused() }, t('common.close'))));
  }
});
app.outbox.changed();
app.outbox.drain();

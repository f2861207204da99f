// The courier app (docs/architecture.md, "Web faces"): a phone page that keeps working without
// signal. What the courier does goes through the outbox (outbox.js) and is sent in order when the
// connection is there; the app shell comes from the service worker's cache (sw.js).
import { api, onSession, refresh } from '/assets/session.js';
import { LiveStream } from '/assets/stream.js';
import { language, loadLanguage, setLanguage, t, translate, time, dateTime } from '/assets/i18n.js';
import { h, clear, chime, toast } from '/assets/dom.js';
import { Outbox, kept } from './outbox.js';
import { navApps, navLink, chosenApp, rememberApp } from './navigate.js';
import { HoldToTalk } from '/assets/recorder.js';
import { VideoCall, callDialog } from '/assets/call.js';
import { MediaCache, bubble, taken } from '/assets/chat.js';
import { State, underway, onTheWay, accepted, withCourier, isIn } from '/assets/order.js';
import { Event, Push, isMessage } from '/assets/names.js';
import { pushSupported, registerWorker, subscribePush } from '/assets/push.js';

const media = new MediaCache(api);

const app = {
  me: null, shop: null, zone: 'UTC', orders: new Map(), open: null, messages: [],
  stream: new LiveStream(), outbox: new Outbox(), watch: null, lastFix: null,
  /** How often kept positions are sent: the server says so when the stream opens (`positionCadenceMs`);
   *  until then 3 s, its default. */
  cadence: 3000,
  /** Problems the courier reported, by id, as the shop answers them (from the stream). */
  problems: new Map(),
  /** Pickup checklist ticks, by order. */
  checked: new Map(),
  started: false,
};
window.posy = app; // the page's state for tests and the browser's console; no secrets

const worker = registerWorker('/courier/sw.js', '/courier/');

await loadLanguage();
const langSelect = document.getElementById('lang');
langSelect.value = language();
langSelect.addEventListener('change', async () => { await setLanguage(langSelect.value); render(); showConsent(); });

onSession((s) => { if (!s) ended(); });

let booting = false;
async function boot() {
  if (booting) return;
  booting = true;
  try { await bootOnce(); } finally { booting = false; }
}

async function bootOnce() {
  let session = null;
  let unreachable = false;
  try { session = await refresh(); } catch { unreachable = true; }
  if (session) {
    if (session.person.role !== 'courier') { location.replace('/console/'); return; }
    try { await start(session); return; } catch { unreachable = true; }
  }
  if (unreachable || !navigator.onLine) {
    // No signal: the shell opens from the service worker's cache, the tasks from what was kept.
    setLive('offline');
    await restore();
    // The phone may say it is online while the gateway is out of reach: ask again now and then.
    setTimeout(() => { if (!app.started) boot(); }, 5000 + Math.random() * 5000);
  } else {
    ended();
  }
}

/** The last known tasks, courier record and shop, as kept on this phone. */
async function restore() {
  const state = await kept.get('state').catch(() => null);
  if (!state || app.started) return;
  app.shop = state.shop;
  app.zone = state.shop?.timeZone || 'UTC';
  app.me = state.me;
  app.orders = new Map(state.orders.map((o) => [o.id, o]));
  document.getElementById('duty').checked = !!app.me?.onDuty;
  document.getElementById('kept').hidden = false;
  document.getElementById('kept').textContent = t('courier.keptSince', { at: time(state.at, app.zone) });
  render();
  track();  // positions taken now are kept and sent once the signal is back
}

/** Keeps what the app knows for the next start without signal: the courier's own active tasks only. */
function keep() {
  if (!app.started) return;
  const orders = [...app.orders.values()].filter((o) => isIn(underway, o));
  kept.put('state', { at: new Date().toISOString(), shop: app.shop, me: app.me, orders }).catch(() => {});
}

async function start(s) {
  const shop = encodeURIComponent(s.person.shopId);
  const [shopInfo, me, page] = await Promise.all([
    api('GET', '/v1/shops/' + shop), api('GET', '/v1/shops/' + shop + '/couriers'), api('GET', '/v1/orders?limit=200'),
  ]);
  app.started = true;
  document.getElementById('kept').hidden = true;
  app.shop = shopInfo;
  app.zone = shopInfo.timeZone;
  app.me = me[0];
  app.orders = new Map(page.items.map((o) => [o.id, o]));
  document.getElementById('duty').checked = !!app.me?.onDuty;
  showConsent();
  app.outbox.stream = app.stream;
  app.stream.addEventListener('state', (e) => { setLive(e.detail); if (e.detail === 'ended') ended(); if (e.detail === 'live') app.outbox.drain(); });
  app.stream.addEventListener('open', (e) => setCadence(e.detail.positionCadenceMs));
  app.stream.addEventListener('event', (e) => onEvent(e.detail));
  app.stream.addEventListener('push', (e) => onPush(e.detail));
  app.stream.addEventListener('reset', () => reload());
  app.stream.start();
  render();
  keep();
  track();
  for (const o of app.orders.values()) if (o.state === State.assigned) offer(o);
  app.outbox.drain();
  openAsked();
}

/** The task a notification's link names (`#order=<id>`), once the orders are known. */
function openAsked() {
  const id = new URLSearchParams(location.hash.slice(1)).get('order');
  if (!id || !app.orders.has(id)) return;
  history.replaceState(null, '', location.pathname);
  document.getElementById('assignment').close();
  openTask(id);
}

// A tap on a notification while the app runs (sw.js): its task opens; an "Accept" tapped there is
// already in the outbox, so the dialog goes and the outbox sends it now.
navigator.serviceWorker?.addEventListener('message', (e) => {
  const m = e.data || {};
  if (m.type !== 'posy.notification') return;
  if (m.action === 'accept') app.outbox.drain();
  if (typeof m.orderId === 'string' && app.orders.has(m.orderId)) {
    document.getElementById('assignment').close();
    openTask(m.orderId);
  }
});
addEventListener('hashchange', openAsked);

async function reload() {
  const page = await api('GET', '/v1/orders?limit=200').catch(() => null);
  if (!page) return;
  app.orders = new Map(page.items.map((o) => [o.id, o]));
  render();
  keep();
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
  // Signed out or removed: the customers' addresses and phones kept for offline use go too.
  kept.clear().catch(() => {});
}

// --- Duty and positions -------------------------------------------------------------------------

document.getElementById('duty').addEventListener('change', async (e) => {
  const on = e.target.checked;
  try {
    app.me = await api('POST', '/v1/couriers/' + encodeURIComponent(app.me.id) + '/duty', { onDuty: on });
  } catch (err) {
    e.target.checked = !on;
    // Location collection needs the courier's own, separate consent first (PIPL): say why, then ask.
    if (err.code === 'consent_required') askConsent();
    else toast(err.message);
  }
  showConsent();
  track();
  if (app.me?.onDuty) offerPush();
});

/** The explanation the server's consent record names (docs/protocol.md, "Privacy"). */
const CONSENT_VERSION = 'location-1';

/** How many days positions are kept, from the deployment's retention table (public). */
async function positionDays() {
  try {
    const table = await (await fetch('/v1/privacy/retention')).json();
    return table.find((r) => r.kind === 'positions')?.days ?? 30;
  } catch {
    return 30;
  }
}

/** Shows the explanation; agreeing records the consent and puts the courier on duty. */
async function askConsent() {
  const dialog = document.getElementById('consent');
  document.getElementById('consent-keep').textContent = t('consent.keep', { days: await positionDays() });
  document.getElementById('consent-agree').onclick = async () => {
    dialog.close();
    try {
      app.me = await api('PUT', '/v1/couriers/' + encodeURIComponent(app.me.id) + '/consent', { accepted: true, version: CONSENT_VERSION });
      app.me = await api('POST', '/v1/couriers/' + encodeURIComponent(app.me.id) + '/duty', { onDuty: true });
    } catch (err) {
      toast(err.message);
    }
    document.getElementById('duty').checked = !!app.me?.onDuty;
    showConsent();
    track();
    if (app.me?.onDuty) offerPush();
  };
  document.getElementById('consent-later').onclick = () => dialog.close();
  dialog.showModal();
}

/**
 * Navigate: in the app the courier chose to keep using, or a choice of the map apps on the phone —
 * each link in the coordinate system its app expects (navigate.js) — with "remember my choice".
 */
function navigateControl(point, name) {
  const remember = h('input', { type: 'checkbox', id: 'nav-remember' });
  const chooser = h('div', { class: 'nav-apps', hidden: true, role: 'group', 'aria-label': t('courier.navWith') },
    navApps.map((a) => h('a', { class: 'button', href: navLink(a, point, name), dataset: { nav: a }, rel: 'noreferrer',
      onclick: () => { if (remember.checked) rememberApp(a); } }, t('nav.app.' + a))),
    h('label', { class: 'remember', for: 'nav-remember' }, remember, ' ', t('courier.navRemember')));
  const chosen = chosenApp();
  if (!chosen) {
    return [h('button', { type: 'button', class: 'button', dataset: { act: 'navigate' }, onclick: () => { chooser.hidden = !chooser.hidden; } },
      t('courier.navigate')), chooser];
  }
  return [
    h('a', { class: 'button', href: navLink(chosen, point, name), dataset: { act: 'navigate', app: chosen }, rel: 'noreferrer' },
      t('courier.navigate') + ' · ' + t('nav.app.' + chosen)),
    h('button', { type: 'button', class: 'quiet', dataset: { act: 'nav-other' }, onclick: (e) => { rememberApp(null); e.target.remove(); chooser.hidden = false; } },
      t('courier.navOther')),
    chooser,
  ];
}

/** Asks for the order's masked number and dials it (the same number while it lasts). */
async function maskedCall(o, button) {
  try {
    const masked = await api('POST', '/v1/orders/' + encodeURIComponent(o.id) + '/call-number');
    button.dataset.number = masked.number;
    location.href = 'tel:' + masked.number.replace(/[^\d+]/g, '');
  } catch (err) {
    toast(err.message);
  }
}

/** The consent on record, and the way to withdraw it (off duty at once). */
function showConsent() {
  const consent = app.me?.locationConsent;
  document.getElementById('consent-state').hidden = !consent;
  if (consent) document.getElementById('consent-given').textContent = t('consent.given', { at: dateTime(consent.at, app.zone) });
}

document.getElementById('consent-withdraw').addEventListener('click', async () => {
  try {
    app.me = await api('PUT', '/v1/couriers/' + encodeURIComponent(app.me.id) + '/consent', { accepted: false, version: CONSENT_VERSION });
    toast(t('consent.withdrawn'));
  } catch (err) {
    toast(err.message);
  }
  document.getElementById('duty').checked = !!app.me?.onDuty;
  showConsent();
  track();
});

/**
 * Going on duty, the app asks once — saying why — to alert the courier of new deliveries with the
 * phone in a pocket (Web Push), and subscribes this device. A browser without push, or a refusal,
 * changes nothing else. `app.push` says how it went (for tests and the console).
 */
async function offerPush() {
  if (window.Notification?.permission === 'default' && pushSupported()) toast(t('courier.pushWhy'));
  app.push = 'asking';
  try {
    app.push = await subscribePush(await worker, api);
  } catch (err) {
    app.push = 'unavailable: ' + err.message;
  }
}

// --- A phone put away (docs/operations.md, "What the pages show when a phone goes quiet") -----------

/** Going to the background and coming back, told to the shop's live map while on duty: a phone in a
 *  pocket sends no positions, and the shop should know why the marker stands still. */
document.addEventListener('visibilitychange', () => {
  const state = document.visibilityState === 'hidden' ? 'background' : 'foreground';
  if (app.me?.onDuty) {
    app.appState = state;
    api('PUT', '/v1/locations/app-state', { state }, { keepalive: true }).catch(() => {});
  }
  if (state === 'foreground') app.outbox.drain();
  keepAwake();
});

const awake = document.getElementById('awake');
awake.checked = localStorage.getItem('posy.awake') === '1';
awake.addEventListener('change', () => { localStorage.setItem('posy.awake', awake.checked ? '1' : '0'); keepAwake(); });

/**
 * The screen kept on (Screen Wake Lock) while a delivery of this courier's is under way and the
 * page is in front, if the courier chose so: a phone that sleeps mid-ride sends no positions.
 * The browser lets go of the lock when the page is hidden; coming back takes it again.
 * `app.wake` says how it stands: off | waiting | held | unsupported | refused: …
 */
async function keepAwake() {
  const want = awake.checked && !!app.me?.onDuty && document.visibilityState === 'visible'
    && [...app.orders.values()].some((o) => o.courierId === app.me.id && isIn(accepted, o));
  if (!want) {
    app.wakeLock?.release().catch(() => {});
    app.wakeLock = null;
    app.wake = awake.checked ? 'waiting' : 'off';
    return;
  }
  if (app.wakeLock && !app.wakeLock.released) return;
  if (!('wakeLock' in navigator)) { app.wake = 'unsupported'; return; }
  if (app.waking) return;
  app.waking = true;
  try {
    const lock = await navigator.wakeLock.request('screen');
    app.wakeLock = lock;
    app.wake = 'held';
    lock.addEventListener('release', () => { if (app.wakeLock === lock) app.wake = 'released'; });
  } catch (err) {
    app.wake = 'refused: ' + err.message;
  } finally {
    app.waking = false;
  }
}

/** Positions are taken while on duty and sent at the cadence; off duty nothing runs. */
function track() {
  const on = !!app.me?.onDuty;
  if (on && app.watch === null && navigator.geolocation) {
    app.watch = navigator.geolocation.watchPosition((p) => fix(p), () => {}, { enableHighAccuracy: true, maximumAge: 2000 });
    app.timer = setInterval(() => app.outbox.drain(), app.cadence);
  } else if (!on && app.watch !== null) {
    navigator.geolocation.clearWatch(app.watch);
    clearInterval(app.timer);
    app.watch = null;
  }
}

/** The server's cadence (`stream.open`); anything outside 1 s…5 min is ignored as nonsense. */
function setCadence(ms) {
  if (!Number.isFinite(ms) || ms < 1000 || ms > 300_000 || ms === app.cadence) return;
  app.cadence = ms;
  if (app.watch !== null) { clearInterval(app.timer); app.timer = setInterval(() => app.outbox.drain(), ms); }
}

function fix(p) {
  const c = p.coords;
  app.lastFix = { lat: c.latitude, lon: c.longitude, accuracy: Math.max(1, c.accuracy || 10) };
  // Only with a delivery under way: an idle courier's whereabouts are nobody's business.
  if (![...app.orders.values()].some((o) => isIn(accepted, o))) return;
  app.outbox.add({
    kind: 'position',
    fix: { ...app.lastFix, speed: c.speed ?? undefined, heading: c.heading ?? undefined, at: new Date(p.timestamp).toISOString() },
  });
}

// --- Live -----------------------------------------------------------------------------------------

function onEvent(f) {
  const d = f.data || {};
  if (f.type.startsWith(Event.orderPrefix) && d.order) {
    const before = app.orders.get(d.order.id);
    app.orders.set(d.order.id, d.order);
    if (d.order.state === State.assigned && d.order.courierId === app.me?.id && before?.state !== State.assigned) offer(d.order);
    render();
    keep();
  } else if (f.type.startsWith(Event.exceptionPrefix) && d.id) {
    const before = app.problems.get(d.id);
    app.problems.set(d.id, d);
    if (before && before.state !== d.state && d.state !== 'open') {
      toast(t('courier.shopAnswered', { state: t('problems.state.' + d.state) }));
      chime();
    }
    if (app.open === d.orderId) renderTask();
  }
}

function onPush(f) {
  if (isMessage(f) && f.type === Push.messageNew) taken(app.stream, f.data, 'courier');
  if (isMessage(f) && app.open && app.orders.get(app.open)?.conversationId === f.conversationId) {
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
  // The deadline is the order's own (`acceptBy`, posy-orders' `--accept-timeout`), not a guess.
  const deadline = Date.parse(o.acceptBy) || null;
  clear(document.getElementById('assignment-body')).append(summary(o));
  chime();
  navigator.vibrate?.([200, 100, 200]);
  clearInterval(countdown);
  const el = document.getElementById('countdown');
  const tick = () => {
    if (!deadline) { el.textContent = ''; return; }
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    el.dataset.left = left;
    el.textContent = left > 0 ? t('courier.acceptWithin', { s: left }) : t('courier.acceptLate');
  };
  tick();
  countdown = setInterval(tick, 1000);
  const reason = document.getElementById('decline-reason');
  reason.value = '';
  document.getElementById('accept').onclick = () => { dialog.close(); tap(o, 'accept', State.accepted); };
  document.getElementById('decline').onclick = () => {
    dialog.close();
    tap(o, 'decline', State.confirmed, reason.value.trim() ? { reason: reason.value.trim() } : {});
  };
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
  keepAwake();
  const list = clear(document.getElementById('tasks'));
  const mine = [...app.orders.values()].filter((o) => isIn(underway, o) || o.state === State.delivered)
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
  if (o.state === State.assigned) {
    actions.append(step('accept', State.accepted, t('courier.accept')),
      h('button', { type: 'button', class: 'big', dataset: { act: 'decline' }, onclick: () => offer(o) }, t('courier.decline')));
  }
  if (o.state === State.accepted) {
    // The pickup checklist: every item, and the handling the flowers need, ticked before leaving.
    const list = checklist(o);
    const ticks = app.checked.get(o.id) || new Set();
    const pickup = step('pickup', State.pickedUp, t('courier.pickedUp'));
    pickup.disabled = list.some(([key]) => !ticks.has(key));
    actions.append(h('fieldset', { class: 'checklist' }, h('legend', {}, t('courier.checklist')),
      list.map(([key, label]) => h('label', {}, h('input', { type: 'checkbox', dataset: { check: key }, checked: ticks.has(key),
        onchange: (e) => {
          if (e.target.checked) ticks.add(key); else ticks.delete(key);
          app.checked.set(o.id, ticks);
          pickup.disabled = list.some(([k]) => !ticks.has(k));
        } }), ' ', label))), pickup);
  }
  if (o.state === State.pickedUp) actions.append(step('depart', State.outForDelivery, t('courier.onMyWay')));
  if (isIn(onTheWay, o)) {
    actions.append(h('button', { type: 'button', class: 'primary big', dataset: { act: 'proof' }, onclick: () => proof(o) }, t('courier.deliver')));
  }
  // "Look before you sign": a video call to the customer to show the flowers, while on the way.
  if (isIn(onTheWay, o)) {
    actions.append(h('button', { type: 'button', class: 'big', dataset: { act: 'video' }, onclick: () => videoCall(o) }, t('call.show')));
  }
  // The geofence says "arriving" by itself; where no fix reaches (indoors, a gate) the courier says it.
  if (o.state === State.outForDelivery) actions.append(h('button', { type: 'button', class: 'big', dataset: { act: 'arrive' }, onclick: () => tap(o, 'arrive', State.arriving) }, t('courier.atTheDoor')));
  if (isIn(accepted, o)) {
    actions.append(h('button', { type: 'button', class: 'big', dataset: { act: 'problem' }, onclick: () => problem(o) }, t('courier.reportProblem')));
  }
  if (o.state === State.accepted) {
    // Not yet picked up: the courier can still hand the order back to the shop for another courier.
    const why = h('input', { autocomplete: 'off', maxlength: '500', 'aria-label': t('courier.declineReason'), placeholder: t('courier.declineReason') });
    actions.append(h('details', { class: 'fail' }, h('summary', {}, t('courier.handBack')), why,
      h('button', { type: 'button', class: 'danger', dataset: { act: 'decline' }, onclick: () => tap(o, 'decline', State.confirmed, why.value.trim() ? { reason: why.value.trim() } : {}) }, t('courier.decline'))));
  }
  if (isIn(withCourier, o)) {
    const reason = h('select', { 'aria-label': t('courier.failReason') }, ['recipientAbsent', 'refused', 'addressWrong', 'damaged', 'other'].map((k) => h('option', { value: k }, t('courier.fail.' + k))));
    actions.append(h('details', { class: 'fail' }, h('summary', {}, t('courier.cannotDeliver')), reason,
      h('button', { type: 'button', class: 'danger', onclick: () => tap(o, 'fail', State.failed, { reason: t('courier.fail.' + reason.value) }) }, t('courier.confirmFail'))));
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
      dest ? navigateControl([r.lat, r.lon], r.address || r.name || '') : null,
      dest ? h('a', { class: 'button', href: 'https://www.openstreetmap.org/?mlat=' + r.lat + '&mlon=' + r.lon + '#map=17/' + r.lat + '/' + r.lon, rel: 'noreferrer', target: '_blank' }, t('courier.map')) : null,
      r.phone && !o.surprise ? h('a', { class: 'button', href: 'tel:' + r.phone.replace(/[^\d+]/g, '') }, t('courier.call')) : null,
      // Through the masked-number provider: the app never holds the recipient's own number.
      o.maskedCalls && !o.surprise ? h('button', { type: 'button', class: 'button', dataset: { act: 'masked-call' }, onclick: (e) => maskedCall(o, e.target) }, t('courier.call')) : null),
    actions,
    problemsOf(o),
    h('section', { class: 'chat' }, h('h2', {}, t('nav.chat')), h('ol', { id: 'messages', class: 'messages', 'aria-live': 'polite' }),
      h('form', { class: 'composer', onsubmit: (e) => { e.preventDefault(); say(o); } },
        h('input', { id: 'chat-text', autocomplete: 'off', 'aria-label': t('chat.message'), placeholder: t('chat.placeholder') }),
        h('button', { type: 'button', id: 'chat-voice', class: 'voice' }, t('chat.voice')),
        h('button', { type: 'submit', class: 'primary' }, t('chat.send'))))].filter(Boolean));
  // A redraw while the courier holds the button ends that recording (and sends it) first.
  app.talk?.stop();
  app.talk = new HoldToTalk(document.getElementById('chat-voice'), (blob, type, durationMs, waveform) => voice(o, blob, durationMs, waveform),
    () => toast(t('chat.noMicrophone')));
  renderChat();
}

/** One call object per order's conversation (each listens on the stream). */
const calls = new Map();
function videoCall(o) {
  let call = calls.get(o.conversationId);
  if (!call) {
    call = new VideoCall({ stream: app.stream, api, orderId: o.id, conversationId: o.conversationId, facingMode: 'environment' });
    callDialog(call);
    calls.set(o.conversationId, call);
  }
  app.call = call;
  call.start().catch((e) => { toast(e.message); call.end(); });
}

/** What to check before leaving the shop: each item, and the handling rules that need doing. */
function checklist(o) {
  const list = o.items.map((i, n) => ['item' + n, i.quantity + ' × ' + i.name]);
  if (o.handling?.keepCool) list.push(['cool', t('courier.check.cool')]);
  if (o.handling?.needsWater) list.push(['water', t('courier.check.water')]);
  if (o.handling?.fragile) list.push(['fragile', t('courier.check.fragile')]);
  return list;
}

/** The problems reported on this order and the shop's answer to each, live. */
function problemsOf(o) {
  const mine = [...app.problems.values()].filter((p) => p.orderId === o.id);
  if (!mine.length) return null;
  return h('section', { class: 'problems' }, h('h2', {}, t('courier.problems')),
    h('ul', { class: 'list' }, mine.map((p) => h('li', { dataset: { problem: p.id, state: p.state } },
      h('strong', {}, t('exception.' + p.kind)), ' — ', h('span', { class: 'state' }, t('problems.state.' + p.state)),
      p.resolutionNote ? h('p', { class: 'muted' }, p.resolutionNote) : null))));
}

// --- Chat -------------------------------------------------------------------------------------------

async function loadChat() {
  const o = app.orders.get(app.open);
  if (!o || o.state === State.assigned) return;
  const page = await api('GET', '/v1/conversations/' + encodeURIComponent(o.conversationId) + '/messages?limit=50').catch(() => null);
  if (page && app.open === o.id) { app.messages = page.messages; renderChat(); taken(app.stream, page.messages.at(-1), 'courier'); }
}

function renderChat() {
  const el = document.getElementById('messages');
  if (!el) return;
  clear(el);
  for (const m of app.messages) el.append(bubble(m, { mine: m.senderId === app.me?.id, media, zone: app.zone }));
}

function say(o) {
  const input = document.getElementById('chat-text');
  const text = input.value.trim();
  if (!text) return;
  const id = crypto.randomUUID();
  app.outbox.add({ id, kind: 'http', method: 'POST', path: '/v1/conversations/' + encodeURIComponent(o.conversationId) + '/messages',
    body: { clientMsgId: id, kind: 'text', text }, label: t('courier.message') });
  app.messages.push({ seq: Number.MAX_SAFE_INTEGER, clientMsgId: id, senderId: app.me.id, party: 'courier', kind: 'text', text, at: new Date().toISOString(), pending: true });
  input.value = '';
  renderChat();
}

/** A voice message goes through the outbox with its recording: uploaded, then sent, when there is signal. */
function voice(o, blob, durationMs, waveform) {
  const id = crypto.randomUUID();
  app.outbox.add({ id, kind: 'http', method: 'POST', path: '/v1/conversations/' + encodeURIComponent(o.conversationId) + '/messages',
    body: { clientMsgId: id, kind: 'voice', durationMs, waveform }, file: { blob, field: 'mediaId' }, orderId: o.id,
    label: t('chat.voiceMessage') });
  app.messages.push({ seq: Number.MAX_SAFE_INTEGER, clientMsgId: id, senderId: app.me.id, party: 'courier', kind: 'voice', at: new Date().toISOString(), pending: true });
  renderChat();
}

app.outbox.addEventListener('sent', (e) => {
  const { item, reply } = e.detail;
  if (item.target === State.confirmed) {
    // Declined: the order is no longer this courier's.
    app.orders.delete(item.orderId);
    if (app.open === item.orderId) closeTask();
    render();
    keep();
    return;
  }
  if (reply && item.path?.endsWith('/exceptions')) {
    app.problems.set(reply.id, reply);  // a problem report: the shop's answers follow on the stream
    if (app.open === reply.orderId) renderTask();
  }
  const m = reply?.message;
  if (!m) return;
  app.messages = app.messages.filter((x) => !x.pending || (x.clientMsgId ? x.clientMsgId !== m.clientMsgId : x.text !== m.text));
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
  clear(document.getElementById('problem-kinds')).append(...kinds.map((k) => h('button', { type: 'button', class: 'big', dataset: { kind: k }, onclick: () => {
    dialog.close();
    const id = crypto.randomUUID();
    const file = photo.files[0];
    // The photo goes with the report through the outbox: uploaded first when there is signal.
    app.outbox.add({ id, kind: 'http', method: 'POST', path: '/v1/orders/' + encodeURIComponent(o.id) + '/exceptions',
      body: { kind: k, note: note.value.trim() || undefined, clientId: id, lat: app.lastFix?.lat, lon: app.lastFix?.lon },
      file: file ? { blob: file, field: 'mediaIds', many: true } : undefined, orderId: o.id, label: t('exception.' + k) });
  } }, t('exception.' + k))));
  dialog.showModal();
}

for (const b of document.querySelectorAll('dialog [data-close]')) b.addEventListener('click', () => b.closest('dialog').close());

// --- Proof of delivery ------------------------------------------------------------------------------

let shot = null;
/** The proof being sent from the open dialog: its outbox id and where its progress and result show. */
let proofWatch = null;
app.outbox.addEventListener('progress', (e) => {
  if (e.detail.id !== proofWatch?.id) return;
  const bar = document.getElementById('proof-progress');
  bar.hidden = false;
  bar.value = e.detail.progress;
});
app.outbox.addEventListener('sent', (e) => {
  if (e.detail.item.id !== proofWatch?.id) return;
  const { result } = proofWatch;
  document.getElementById('proof-progress').hidden = true;
  const checks = e.detail.reply?.checks || {};
  result.textContent = t('courier.proofTaken', { m: Math.round(checks.distanceMeters ?? 0) }) + (checks.late ? ' · ' + t('courier.late', { n: checks.lateMinutes }) : '');
  result.dataset.ok = 'true';
  delete result.dataset.kept;
});
app.outbox.addEventListener('refused', (e) => {
  if (e.detail.item.id !== proofWatch?.id) return;
  const { result, submit } = proofWatch;
  document.getElementById('proof-progress').hidden = true;
  result.textContent = e.detail.reason + ' — ' + t('courier.tryAgain');
  delete result.dataset.kept;
  submit.disabled = false;
});

function proof(o) {
  const dialog = document.getElementById('proof');
  const video = document.getElementById('camera');
  const preview = document.getElementById('proof-preview');
  const submit = document.getElementById('proof-submit');
  const handed = document.getElementById('handed-to');
  const warning = document.getElementById('proof-warning');
  const result = document.getElementById('proof-result');
  shot = null;
  proofWatch = null;
  submit.disabled = true;
  preview.hidden = true;
  result.textContent = '';
  delete result.dataset.ok;
  delete result.dataset.kept;
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
    const detail = document.getElementById('handed-detail').value.trim();
    const kind = handed.value;
    // Through the outbox like every other step: with no signal the photo waits on the phone and
    // goes, with its proof, when the signal returns (docs/architecture.md, "Web faces").
    const id = await app.outbox.add({ kind: 'http', method: 'POST', path: '/v1/orders/' + encodeURIComponent(o.id) + '/proof',
      body: {
        lat: app.lastFix?.lat ?? o.recipient?.lat, lon: app.lastFix?.lon ?? o.recipient?.lon, accuracy: app.lastFix?.accuracy ?? 50,
        handedTo: { kind, name: kind === 'neighbour' || kind === 'recipient' ? detail || undefined : undefined, description: kind === 'safePlace' || kind === 'reception' ? detail || undefined : undefined },
      },
      file: { blob: shot, field: 'photoIds', many: true }, orderId: o.id, target: State.delivered, label: t('courier.proof') });
    proofWatch = { id, submit, result };
    if (!navigator.onLine) { result.textContent = t('courier.proofKept'); result.dataset.kept = 'true'; }
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

// Last, once every module-level binding above exists: start (or restore what was kept, with no signal).
await boot();
// Opened with no signal: what was kept is on screen; the app starts for real when the signal returns.
addEventListener('online', () => { if (!app.started) boot(); });

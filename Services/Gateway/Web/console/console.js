// The shop console (docs/architecture.md, "Web faces"): one live page for a florist's day.
import { api, onSession, refresh, session, signOut } from '/assets/session.js';
import { LiveStream } from '/assets/stream.js';
import { language, loadLanguage, setLanguage, t, translate } from '/assets/i18n.js';
import { toast } from '/assets/dom.js';
import { Board } from './board.js';
import { OrderForm } from './form.js';
import { Detail } from './detail.js';
import { Problems } from './problems.js';
import { Chat } from './chat.js';
import { LiveMap } from './livemap.js';
import { Settings } from './settings.js';
import { Inbox } from './inbox.js';
import { Event, Push, isChat } from '/assets/names.js';

const app = {
  shop: null, person: null, manager: false, zone: 'UTC',
  orders: new Map(), couriers: new Map(), risks: new Map(), arrivals: new Map(),
  stream: new LiveStream(),
  listeners: new Set(),
  /** Parts follow when orders change: `order` when one order changed, nothing when anything may have. */
  changed(order) { for (const fn of this.listeners) fn(order); },
};
window.posy = app; // for the browser's console and tests: the page's state, no secrets

await loadLanguage();
const langSelect = document.getElementById('lang');
langSelect.value = language();
langSelect.addEventListener('change', async () => { await setLanguage(langSelect.value); app.changed(); app.rerender?.(); });

onSession((s) => { if (!s) showEnded(); });
const s = await refresh().catch(() => null);
if (!s) { showEnded(); throw new Error('no session'); }
if (s.person.role === 'courier') { location.replace('/courier/'); throw new Error('courier'); }
app.person = s.person;
app.manager = s.manager;
app.shop = await api('GET', '/v1/shops/' + encodeURIComponent(s.person.shopId));
app.zone = app.shop.timeZone;
document.getElementById('shop-name').textContent = app.shop.name;
document.getElementById('who').textContent = s.person.name;
document.getElementById('sign-out').addEventListener('click', async () => { await signOut(); location.replace('/signin'); });

function showEnded() {
  document.getElementById('ended').hidden = false;
  document.getElementById('offline').hidden = true;
  document.getElementById('main').inert = true;
  app.stream.stop();
  setLive('ended');
}

function setLive(state) {
  const el = document.getElementById('live');
  el.dataset.state = state;
  el.textContent = t('live.' + state);
  document.getElementById('offline').hidden = state !== 'offline';
}

// Tabs: buttons with aria-current; the URL's hash keeps the tab across reloads.
const tabs = [...document.querySelectorAll('[data-tab]')];
function show(name) {
  for (const b of tabs) { if (b.dataset.tab === name) b.setAttribute('aria-current', 'page'); else b.removeAttribute('aria-current'); }
  for (const sec of document.querySelectorAll('.tab')) sec.hidden = sec.id !== 'tab-' + name;
  app.onTab?.(name);
  if (location.hash !== '#' + name) history.replaceState(null, '', '#' + name);
}
for (const b of tabs) b.addEventListener('click', () => show(b.dataset.tab));
app.show = show;

const board = new Board(app);
const form = new OrderForm(app);
const detail = new Detail(app);
const problems = new Problems(app);
const chat = new Chat(app);
const map = new LiveMap(app);
const settings = new Settings(app);
const inbox = new Inbox(app);
app.detail = detail;
app.board = board;
app.form = form;
app.chat = chat;
app.rerender = () => { translate(document); board.render(); problems.render(); chat.renderList(); settings.render(); setLive(document.getElementById('live').dataset.state); };
app.onTab = (name) => { if (name === 'map') map.open(); if (name === 'settings') settings.load(); if (name === 'inbox') inbox.load(); if (name === 'chat') chat.load(); };

document.getElementById('new-order').addEventListener('click', () => form.open());

/** Loads what the stream does not replay: the day's orders, couriers, what waits for the shop. */
async function loadState() {
  await Promise.all([board.load(), problems.load(), loadCouriers(), chat.load()]);
  const live = await api('GET', '/v1/shops/' + encodeURIComponent(app.shop.id) + '/couriers/live').catch(() => []);
  for (const p of live || []) arrivals(p);
}

/** A courier's predicted arrivals (posy-location sends them with each position): the cards' live
 *  ETA, redrawn only when an order's arrival moved by a minute or more. */
function arrivals(p) {
  for (const [id, at] of Object.entries(p.arrivals || {})) {
    const before = app.arrivals.get(id);
    app.arrivals.set(id, at);
    const o = app.orders.get(id);
    if (o && (!before || Math.abs(Date.parse(before) - Date.parse(at)) >= 60_000)) app.changed(o);
  }
}
async function loadCouriers() {
  const list = await api('GET', '/v1/shops/' + encodeURIComponent(app.shop.id) + '/couriers');
  app.couriers = new Map(list.map((c) => [c.id, c]));
  app.changed();
}
app.loadCouriers = loadCouriers;

app.stream.addEventListener('state', (e) => {
  setLive(e.detail);
  if (e.detail === 'ended') showEnded();
});
// After a break the stream resumes from the last id it saw; only a reset (events that cannot be
// resumed) reloads the state over REST.
app.stream.addEventListener('reset', () => loadState());
app.stream.addEventListener('event', (e) => {
  const f = e.detail;
  const d = f.data || {};
  if (f.type.startsWith(Event.changePrefix)) problems.change(d);
  else if (f.type === Event.unacknowledged) problems.unaccepted(d);
  else if (f.type.startsWith(Event.orderPrefix) && d.order) {
    board.upsert(d.order);
    // A courier handed an assignment back: the order needs another courier now.
    if (f.type === Event.confirmed && d.detail?.startsWith('declined by courier')) {
      const why = d.detail.includes(': ') ? d.detail.slice(d.detail.indexOf(': ') + 2) : '';
      toast(t('problems.declined', { order: d.order.recipient?.name || d.order.id, why }));
      problems.alert();
    }
  }
  else if (f.type.startsWith(Event.exceptionPrefix)) problems.exception(d, f.type);
  else if (f.type.startsWith(Event.deliveryPrefix) && d.orderId) {
    app.risks.set(d.orderId, { ...d, type: f.type });
    const o = app.orders.get(d.orderId);
    if (o) app.changed(o);
  }
  else if (f.type === Event.proofAccepted) detail.refreshIfOpen(d.orderId);
});
app.stream.addEventListener('push', (e) => {
  const f = e.detail;
  if (f.type === Push.courierPosition) { map.position(f.data); arrivals(f.data); }
  else if (f.type === Push.courierOffDuty) map.offDuty(f.data);
  else if (isChat(f)) chat.push(f);
  else if (f.type === Push.notification) inbox.push(f.data);
});

// `board-live`: the day's orders on screen and the stream open (what `posy bench console` measures).
let marked = false;
app.stream.addEventListener('state', (e) => { if (e.detail === 'live' && !marked) { marked = true; performance.mark('board-live'); } });
await loadState();
app.stream.start();
show((location.hash || '#board').slice(1).replace(/[^a-z]/g, '') || 'board');

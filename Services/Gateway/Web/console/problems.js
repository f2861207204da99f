// The problems queue: exceptions (acknowledge, resolve with a resolution), customers' changes
// awaiting approval, assignments not accepted in time. New ones chime and count in the title.
import { api } from '/assets/session.js';
import { h, clear, chime, toast } from '/assets/dom.js';
import { t, dateTime } from '/assets/i18n.js';
import { State } from '/assets/order.js';

const resolutions = ['reschedule', 'redirect', 'returnToShop', 'leaveAtSafePlace', 'contactCustomer', 'none'];

export class Problems {
  constructor(app) {
    this.app = app;
    this.el = document.getElementById('problems');
    this.badge = document.getElementById('problems-badge');
    this.exceptions = new Map();
    this.changes = new Map();
    this.unacked = new Map();
    app.problemOrders = new Set();
  }

  async load() {
    const a = await api('GET', '/v1/shops/' + encodeURIComponent(this.app.shop.id) + '/attention');
    this.exceptions = new Map(a.exceptions.map((e) => [e.id, e]));
    this.changes = new Map(a.changes.map((c) => [c.id, c]));
    this.render();
  }

  exception(e, type) {
    const isNew = !this.exceptions.has(e.id) && e.state === 'open';
    if (e.state === 'resolved') this.exceptions.delete(e.id); else this.exceptions.set(e.id, e);
    if (isNew || type === 'exception.escalated') this.alert();
    this.render();
  }

  change(c) {
    if (c.state === 'pending') { if (!this.changes.has(c.id)) this.alert(); this.changes.set(c.id, c); } else this.changes.delete(c.id);
    this.render();
  }

  unaccepted(a) {
    this.unacked.set(a.orderId, a);
    this.alert();
    this.render();
  }

  alert() { chime(); }

  count() { return this.exceptions.size + this.changes.size + this.unacked.size; }

  render() {
    // An unaccepted assignment stops counting once the courier accepted or someone else was assigned.
    for (const [id, a] of this.unacked) {
      const o = this.app.orders.get(id);
      if (o && (o.state !== State.assigned || o.courierId !== a.courierId)) this.unacked.delete(id);
    }
    const n = this.count();
    this.badge.hidden = n === 0;
    this.badge.textContent = String(n);
    this.badge.setAttribute('aria-label', t('problems.count', { n }));
    document.title = (n ? '(' + n + ') ' : '') + 'Posy — ' + (this.app.shop?.name || '');
    this.app.problemOrders = new Set([...this.exceptions.values()].map((e) => e.orderId));
    const zone = this.app.zone;
    clear(this.el);
    const items = [...this.exceptions.values()].sort((a, b) => (!!b.escalatedAt - !!a.escalatedAt) || a.openedAt.localeCompare(b.openedAt));
    for (const e of items) {
      const resolution = h('select', { 'aria-label': t('problems.resolution') }, resolutions.map((r) => h('option', { value: r }, t('resolution.' + r))));
      const note = h('input', { type: 'text', 'aria-label': t('problems.note'), placeholder: t('problems.note') });
      this.el.append(h('li', { class: 'problem' + (e.escalatedAt ? ' escalated' : ''), dataset: { exception: e.id, state: e.state } },
        h('strong', {}, t('exception.' + e.kind)), ' · ', h('button', { type: 'button', class: 'link', onclick: () => this.app.detail.open(e.orderId) }, e.orderId),
        e.escalatedAt ? h('span', { class: 'flag late' }, t('problems.escalated')) : null,
        h('p', {}, e.note || ''), h('p', { class: 'muted' }, dateTime(e.openedAt, zone), ' · ', t('problems.state.' + e.state)),
        h('div', { class: 'actions' },
          e.state === 'open' ? h('button', { type: 'button', class: 'primary', dataset: { act: 'ack' }, onclick: () => this.ack(e) }, t('problems.ack')) : null,
          resolution, note,
          h('button', { type: 'button', dataset: { act: 'resolve' }, onclick: () => this.resolve(e, resolution.value, note.value) }, t('problems.resolve')))));
    }
    for (const c of this.changes.values()) {
      this.el.append(h('li', { class: 'problem change', dataset: { change: c.id } },
        h('strong', {}, t('problems.change')), ' · ', h('button', { type: 'button', class: 'link', onclick: () => this.app.detail.open(c.orderId) }, c.orderId),
        h('p', {}, describe(c.change)), h('p', { class: 'muted' }, dateTime(c.requestedAt, zone)),
        h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'primary', dataset: { act: 'approve' }, onclick: () => this.decide(c, true) }, t('problems.approve')),
          h('button', { type: 'button', dataset: { act: 'reject' }, onclick: () => this.decide(c, false) }, t('problems.reject')))));
    }
    for (const a of this.unacked.values()) {
      this.el.append(h('li', { class: 'problem', dataset: { unaccepted: a.orderId } },
        h('strong', {}, t('problems.unaccepted')), ' · ', h('button', { type: 'button', class: 'link', onclick: () => this.app.detail.open(a.orderId) }, a.orderId),
        h('p', { class: 'muted' }, t('problems.deadline', { time: dateTime(a.deadline, zone) }))));
    }
    if (!n) this.el.append(h('li', { class: 'muted' }, t('problems.none')));
    this.app.board?.render();
  }

  async ack(e) {
    try { this.exception(await api('POST', '/v1/exceptions/' + e.id + '/ack', {})); } catch (err) { toast(err.message); }
  }

  async resolve(e, resolution, note) {
    try { this.exception(await api('POST', '/v1/exceptions/' + e.id + '/resolve', { resolution, note: note || undefined })); } catch (err) { toast(err.message); }
  }

  async decide(c, approve) {
    try {
      this.change(await api('POST', '/v1/orders/' + c.orderId + '/changes/' + c.id + '/' + (approve ? 'approve' : 'reject'), {}));
    } catch (err) { toast(err.message); }
  }
}

function describe(change) {
  const parts = [];
  if (change.dropOff) parts.push(t('change.dropOff.' + change.dropOff.kind) + (change.dropOff.description ? ': ' + change.dropOff.description : ''));
  if (change.window) parts.push(t('change.window'));
  if (change.address) parts.push(t('change.address') + ': ' + change.address.address);
  return parts.join(' · ');
}

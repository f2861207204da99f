// Order detail: timeline, the shop's actions (confirm, assign or reassign, cancel), proof photos,
// the customer's confirmation or dispute, and the evidence chain's verification.
import { api } from '/assets/session.js';
import { h, clear, toast } from '/assets/dom.js';
import { t, time, dateTime } from '/assets/i18n.js';
import { State, assignable, ended, underway, isIn } from '/assets/order.js';
import { MediaCache } from '/assets/chat.js';

/** Metres between two points. */
export function distance(a, b) {
  const r = 6_371_000, rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad, dLon = (b.lon - a.lon) * rad;
  const x = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(x));
}

export class Detail {
  constructor(app) {
    this.app = app;
    this.dialog = document.getElementById('detail-dialog');
    this.el = document.getElementById('detail');
    this.media = new MediaCache(api);
    this.dialog.addEventListener('close', () => { this.id = null; this.media.release(); });
    app.listeners.add((order) => { if (this.id && this.dialog.open && (!order || order.id === this.id)) this.renderHead(); });
  }

  refreshIfOpen(orderId) { if (this.id === orderId) this.open(orderId); }

  async open(id) {
    this.id = id;
    clear(this.el).append(h('p', {}, t('common.loading')));
    if (!this.dialog.open) this.dialog.showModal();
    const [order, timeline, evidence] = await Promise.all([
      api('GET', '/v1/orders/' + id),
      api('GET', '/v1/orders/' + id + '/timeline'),
      api('GET', '/v1/orders/' + id + '/evidence').catch(() => null),
    ]);
    if (this.id !== id) return;
    this.app.orders.set(id, order);
    this.order = order;
    this.timeline = timeline;
    this.evidence = evidence;
    this.render();
  }

  renderHead() {
    const o = this.app.orders.get(this.id);
    if (o && this.order && o.state !== this.order.state) this.open(this.id);
  }

  render() {
    const o = this.order, zone = this.app.zone;
    clear(this.el);
    const actions = h('div', { class: 'actions' });
    if (o.state === State.placed) actions.append(h('button', { type: 'button', class: 'primary', onclick: () => this.act('confirm') }, t('action.confirm')));
    if (isIn(assignable, o)) actions.append(h('button', { type: 'button', class: o.courierId ? '' : 'primary', onclick: () => this.picker() }, o.courierId ? t('action.reassign') : t('action.assign')));
    if (!isIn(ended, o)) actions.append(h('button', { type: 'button', class: 'danger', onclick: () => this.cancel() }, t('action.cancel')));
    actions.append(h('button', { type: 'button', onclick: () => { this.dialog.close(); this.app.chat.openOrder(o); } }, t('action.chat')));
    actions.append(h('button', { type: 'button', class: 'quiet', onclick: () => this.dialog.close() }, t('common.close')));
    const flags = [o.handling?.keepCool && t('handling.keepCool'), o.handling?.noDoorstep && t('handling.noDoorstep'), o.handling?.fragile && t('handling.fragile'),
      o.handling?.needsWater && t('handling.needsWater'), o.surprise && t('handling.surprise'), o.sender?.anonymous && t('handling.anonymous')].filter(Boolean);
    this.el.append(
      h('h2', { id: 'detail-title' }, t('detail.title', { id: o.id })),
      h('p', { class: 'state', dataset: { state: o.state } }, t('state.' + o.state)),
      h('dl', { class: 'facts' },
        h('dt', {}, t('detail.window')), h('dd', {}, dateTime(o.window.start, zone) + '–' + time(o.window.end, zone)),
        h('dt', {}, t('detail.recipient')), h('dd', {}, [o.recipient?.name, o.recipient?.phone, o.recipient?.address].filter(Boolean).join(' · ')),
        h('dt', {}, t('detail.customer')), h('dd', {}, [o.customer?.name, o.customer?.phone].filter(Boolean).join(' · ')),
        h('dt', {}, t('detail.items')), h('dd', {}, o.items.map((i) => i.quantity + ' × ' + i.name).join(', ')),
        o.cardMessage ? [h('dt', {}, t('field.cardMessage')), h('dd', { class: 'card-message' }, o.cardMessage)] : null,
        flags.length ? [h('dt', {}, t('form.handling')), h('dd', {}, flags.map((f) => h('span', { class: 'tag' }, f)))] : null,
        h('dt', {}, t('detail.courier')), h('dd', {}, o.courier?.firstName || this.app.couriers.get(o.courierId)?.name || t('board.unassigned')),
        o.notes ? [h('dt', {}, t('field.notes')), h('dd', {}, o.notes)] : null),
      actions,
      h('div', { id: 'picker' }),
      h('h3', {}, t('detail.timeline')),
      h('ol', { class: 'timeline' }, this.timeline.map((e) => h('li', {}, h('time', { datetime: e.at }, dateTime(e.at, zone)), ' ', t('state.' + e.state), e.detail ? ' — ' + e.detail : ''))));
    this.renderEvidence();
  }

  renderEvidence() {
    const ev = this.evidence;
    if (!ev) return;
    const zone = this.app.zone;
    const section = h('section', { class: 'evidence' }, h('h3', {}, t('detail.proof')));
    for (const p of ev.proofs) {
      for (const m of p.photos) {
        section.append(h('figure', {}, this.media.image(m.id, t('detail.proofPhoto'), { class: 'proof' }), h('figcaption', {}, dateTime(p.submittedAt, zone))));
      }
    }
    if (!ev.proofs.length) section.append(h('p', {}, t('detail.noProof')));
    for (const c of ev.confirmations) {
      section.append(h('p', { class: c.ok ? 'ok-text' : 'danger-text' }, t(c.ok ? 'detail.confirmed' : 'detail.disputed'), ' · ', dateTime(c.at, zone),
        c.reason ? ' — ' + t('dispute.' + c.reason) : '', c.note ? ' — ' + c.note : ''));
    }
    section.append(h('p', { class: ev.chain.ok ? 'ok-text' : 'danger-text' }, ev.chain.ok ? t('detail.chainOk', { n: ev.chain.records }) : t('detail.chainBad')));
    this.el.append(section);
  }

  async act(action, body = {}) {
    try {
      const order = await api('POST', '/v1/orders/' + this.id + '/' + action, body);
      this.app.orders.set(order.id, order);
      this.app.changed(order);
      await this.open(this.id);
    } catch (e) { toast(e.message); }
  }

  async cancel() {
    const reason = prompt(t('action.cancelReason'));
    if (reason === null) return;
    await this.act('cancel', { reason: reason || undefined });
  }

  /** Couriers with on-duty state, active deliveries and distance to the shop. */
  async picker() {
    const el = clear(document.getElementById('picker'));
    const live = await api('GET', '/v1/shops/' + encodeURIComponent(this.app.shop.id) + '/couriers/live').catch(() => []);
    const where = new Map((live || []).map((p) => [p.courierId, p]));
    const active = new Map();
    for (const o of this.app.orders.values()) if (o.courierId && isIn(underway, o)) active.set(o.courierId, (active.get(o.courierId) || 0) + 1);
    const couriers = [...this.app.couriers.values()].sort((a, b) => (b.onDuty - a.onDuty) || a.name.localeCompare(b.name));
    el.append(h('h3', {}, t('picker.title')), h('ul', { class: 'list picker' }, couriers.map((c) => {
      const p = where.get(c.id);
      const km = p ? (distance(p, this.app.shop) / 1000).toFixed(1) : null;
      return h('li', {}, h('button', { type: 'button', dataset: { courier: c.id }, disabled: c.id === this.order.courierId, onclick: () => this.act('assign', { courierId: c.id }) },
        h('strong', {}, c.name), ' ',
        h('span', { class: c.onDuty ? 'ok-text' : 'muted' }, c.onDuty ? t('picker.onDuty') : t('picker.offDuty')), ' · ',
        t('picker.active', { n: active.get(c.id) || 0 }), km ? ' · ' + t('picker.km', { km }) : ''));
    })));
    el.querySelector('button:not([disabled])')?.focus();
  }
}

// The order board: the day's orders in columns by state, moving live with the stream.
import { api } from '/assets/session.js';
import { h, clear } from '/assets/dom.js';
import { t, time } from '/assets/i18n.js';
import { boardColumns as columns, ended, underway, isIn } from '/assets/order.js';
import { Event } from '/assets/names.js';

const riskTypes = new Set([Event.delayRisk, Event.stuck, Event.signalLost]);

/** The shop's calendar day `yyyy-mm-dd` as [start, end) instants. */
export function dayRange(day, zone) {
  // The zone's offset at noon of that day, read back through Intl: exact except on a DST switch day's edges.
  const noon = new Date(day + 'T12:00:00Z');
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
    .formatToParts(noon).map((p) => [p.type, p.value]));
  const local = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute);
  const offset = local - noon.getTime();
  const start = new Date(Date.parse(day + 'T00:00:00Z') - offset);
  return [start.toISOString(), new Date(start.getTime() + 86_400_000).toISOString()];
}

export function today(zone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

export class Board {
  constructor(app) {
    this.app = app;
    this.el = document.getElementById('board');
    this.day = document.getElementById('day');
    this.search = document.getElementById('search');
    this.filter = document.getElementById('column-filter');
    this.day.value = today(app.zone);
    this.day.addEventListener('change', () => this.load());
    this.search.addEventListener('input', () => this.render());
    this.filter.addEventListener('change', () => this.render());
    // One order changed: its card moves on its own; anything else redraws the board once a frame.
    app.listeners.add((order) => (order ? this.update(order) : this.schedule()));
  }

  async load() {
    const [from, to] = dayRange(this.day.value, this.app.zone);
    this.range = [Date.parse(from), Date.parse(to)];
    const orders = new Map();
    let cursor = null;
    do {
      const q = new URLSearchParams({ windowFrom: from, windowTo: to, limit: '200' });
      if (cursor) q.set('cursor', cursor);
      const page = await api('GET', '/v1/orders?' + q);
      for (const o of page.items) orders.set(o.id, o);
      cursor = page.nextCursor;
    } while (cursor);
    this.app.orders = orders;
    this.render();
  }

  /** An order from the stream: kept when its window falls on the day shown. */
  upsert(order) {
    const s = Date.parse(order.window.start), e = Date.parse(order.window.end);
    if (this.range && (e <= this.range[0] || s >= this.range[1])) return;
    this.app.orders.set(order.id, order);
    this.app.changed(order);
  }

  schedule() {
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => { this.pending = 0; this.render(); });
  }

  /** The columns `o` shows in. */
  columnsOf(o) {
    const col = columns.find(([, states]) => states.includes(o.state))?.[0] || 'problems';
    return col !== 'problems' && (this.app.problemOrders || new Set()).has(o.id) ? [col, 'problems'] : [col];
  }

  /** Moves one order's card(s) without redrawing the rest (a search or filter redraws all). */
  update(o) {
    if (this.search.value.trim() || this.filter.value || !this.lists) { this.schedule(); return; }
    for (const li of this.el.querySelectorAll('li[data-card="' + CSS.escape(o.id) + '"]')) li.remove();
    for (const col of this.columnsOf(o)) {
      const ul = this.lists.get(col);
      const li = this.card(o);
      const start = Date.parse(o.window.start);
      const after = [...ul.children].find((c) => Date.parse(c.dataset.start) > start);
      ul.insertBefore(li, after || null);
    }
    for (const [col, ul] of this.lists) ul.previousElementSibling.querySelector('.count').textContent = String(ul.children.length);
  }

  render() {
    const q = this.search.value.trim().toLowerCase();
    const only = this.filter.value;
    if (this.filter.options.length === 1) {
      for (const [key] of columns) this.filter.append(h('option', { value: key }, t('col.' + key)));
    } else {
      for (const o of this.filter.options) if (o.value) o.textContent = t('col.' + o.value);
    }
    const byColumn = new Map(columns.map(([k]) => [k, []]));
    for (const o of this.app.orders.values()) {
      if (q && !matches(o, q)) continue;
      for (const col of this.columnsOf(o)) byColumn.get(col).push(o);
    }
    clear(this.el);
    this.lists = new Map();
    for (const [key] of columns) {
      if (only && only !== key) continue;
      const list = byColumn.get(key).sort((a, b) => Date.parse(a.window.start) - Date.parse(b.window.start));
      const ul = h('ul', {}, list.map((o) => this.card(o)));
      this.lists.set(key, ul);
      this.el.append(h('section', { class: 'column', 'aria-labelledby': 'col-' + key, dataset: { column: key } },
        h('h2', { id: 'col-' + key }, t('col.' + key), ' ', h('span', { class: 'count' }, String(list.length))), ul));
    }
  }

  card(o) {
    const zone = this.app.zone;
    const risk = this.app.risks.get(o.id);
    const end = Date.parse(o.window.end);
    const late = !isIn(ended, o) && Date.now() > end;
    const courier = o.courier?.firstName || this.app.couriers.get(o.courierId)?.name;
    const eta = this.app.arrivals.get(o.id) || risk?.predictedArrival;
    const withCourier = isIn(underway, o);
    // At risk: the live prediction lands within posy-location's 5-minute margin of the window's end,
    // or the courier is stuck or out of signal (until the signal is back).
    const atRisk = !late && withCourier && ((eta && Date.parse(eta) > end - 300_000) || (risk && riskTypes.has(risk.type)));
    const area = (o.recipient?.address || '').split(/[,，]/)[0];
    return h('li', { dataset: { card: o.id, start: o.window.start } },
      h('button', { type: 'button', class: 'order-card' + (late ? ' late' : atRisk ? ' risk' : ''), dataset: { order: o.id, state: o.state },
        onclick: () => this.app.detail.open(o.id) },
        h('span', { class: 'window' }, time(o.window.start, zone) + '–' + time(o.window.end, zone)),
        late ? h('span', { class: 'flag late' }, t('board.late')) : atRisk ? h('span', { class: 'flag risk' }, t('board.atRisk')) : null,
        h('span', { class: 'recipient' }, o.recipient?.name || ''),
        h('span', { class: 'area' }, area),
        h('span', { class: 'meta' }, courier ? t('board.courier', { name: courier }) : t('board.unassigned'),
          eta && withCourier ? ' · ' + t('board.eta', { time: time(eta, zone) }) : ''),
        h('span', { class: 'id' }, o.id),
        o.handling?.noDoorstep ? h('span', { class: 'tag' }, t('handling.noDoorstep')) : null,
        o.handling?.keepCool ? h('span', { class: 'tag' }, t('handling.keepCool')) : null,
        o.surprise ? h('span', { class: 'tag' }, t('handling.surprise')) : null));
  }
}

function matches(o, q) {
  return [o.id, o.recipient?.name, o.recipient?.phone, o.customer?.name, o.customer?.phone, o.recipient?.address]
    .some((v) => v && v.toLowerCase().includes(q));
}

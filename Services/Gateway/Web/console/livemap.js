// The live map: the shop, every on-duty courier moving with `courier.position` pushes, and each
// order out for delivery with its arrival geofence. Leaflet is Debian's, served by the gateway;
// with no tile URL configured the map has no basemap (markers on a plain background).
import { api } from '/assets/session.js';
import { h, clear } from '/assets/dom.js';
import { t, time } from '/assets/i18n.js';
import { ago, ageOf, baseMap, label, loadLeaflet, received, staleAfterSeconds, toMap } from '/assets/map.js';
import { onTheWay, ended, isIn } from '/assets/order.js';

/** posy-location's default arrival radius (docs/architecture.md, "Location"). */
const arrivalRadius = 150;

export class LiveMap {
  constructor(app) {
    this.app = app;
    this.el = document.getElementById('map');
    this.side = document.getElementById('map-side');
    this.list = document.getElementById('map-couriers');
    this.couriers = new Map();
    this.destinations = new Map();
    app.listeners.add((order) => this.drawDestinations(order));
  }

  async open() {
    if (this.map) { this.map.invalidateSize(); return; }
    const lib = await loadLeaflet();
    if (!lib) { this.el.append(h('p', { class: 'muted' }, t('map.unavailable'))); return; }
    const { L } = lib;
    this.L = L;
    const shop = this.app.shop;
    this.map = baseMap(lib, this.el, { zoomControl: true }).setView(toMap([shop.lat, shop.lon]), 14);
    L.circleMarker(toMap([shop.lat, shop.lon]), { radius: 10, color: '#7a1f5c', fillOpacity: 0.9, className: 'shop-marker' })
      .addTo(this.map).bindTooltip(label(shop.name), { permanent: true, direction: 'top' });
    const live = await api('GET', '/v1/shops/' + encodeURIComponent(shop.id) + '/couriers/live').catch(() => []);
    for (const p of live || []) this.position(p);
    this.drawDestinations();
    // First view: the shop, its couriers and every destination out for delivery.
    const points = [toMap([shop.lat, shop.lon]), ...[...this.couriers.values()].map((p) => toMap([p.lat, p.lon])),
      ...[...this.destinations.values()].map(([circle]) => circle.getLatLng())];
    if (points.length > 1) this.map.fitBounds(L.latLngBounds(points).pad(0.2), { maxZoom: 16 });
    // Ages grow while nothing comes: redrawn every 5 s while the map is open (one timer, this tab's).
    this.ticker ??= setInterval(() => { if (!document.getElementById('tab-map').hidden) this.drawCouriers(); }, 5000);
    this.drawCouriers();
  }

  /**
   * Each courier on duty with their last position's age, and "app in background" when their app
   * said so: a marker that stands still is not passed off as live (docs/operations.md, "What the
   * pages show when a phone goes quiet").
   */
  drawCouriers() {
    if (!this.list) return;
    const rows = [...this.couriers.values()].sort((a, b) => (this.name(a.courierId)).localeCompare(this.name(b.courierId)));
    clear(this.list).append(h('li', { class: 'muted' }, t('map.couriers')));
    for (const p of rows) {
      const age = ageOf(p);
      const stale = age > staleAfterSeconds;
      const away = p.appInBackground === true;
      this.list.append(h('li', { dataset: { courier: p.courierId, stale: String(stale), background: String(away) }, class: stale || away ? 'stale' : '' },
        h('button', { type: 'button', class: 'link', onclick: () => this.tasks(p.courierId) }, this.name(p.courierId)),
        ' · ', h('span', { class: 'age' }, t('map.lastFix', { ago: ago(age) })),
        away ? h('span', { class: 'badge warn' }, t('map.background')) : ''));
      const m = this.markers?.get(p.courierId);
      const el = m?.getElement?.();
      if (el) { el.classList.toggle('stale', stale || away); el.setAttribute('data-stale', String(stale || away)); }
    }
  }

  name(id) { return this.app.couriers.get(id)?.name || id; }

  /** A courier's position (from the live list or a push). */
  position(pushed) {
    const p = received(pushed);
    this.couriers.set(p.courierId, p);
    if (!this.map) return;
    let m = this.markers?.get(p.courierId);
    this.markers ??= new Map();
    if (!m) {
      const name = this.app.couriers.get(p.courierId)?.name || p.courierId;
      m = this.L.circleMarker(toMap([p.lat, p.lon]), { radius: 8, color: '#0b6e4f', fillOpacity: 0.9, className: 'courier-marker' })
        .addTo(this.map).bindTooltip(label(name), { permanent: true, direction: 'right' });
      m.on('click', () => this.tasks(p.courierId));
      this.markers.set(p.courierId, m);
    } else m.setLatLng(toMap([p.lat, p.lon]));
    m.getElement?.()?.setAttribute('data-courier', p.courierId);
    this.el.dataset.positions = String((+this.el.dataset.positions || 0) + 1);
    this.drawCouriers();
  }

  offDuty(p) {
    const m = this.markers?.get(p.courierId);
    if (m) { m.remove(); this.markers.delete(p.courierId); }
    this.couriers.delete(p.courierId);
    this.drawCouriers();
  }

  drawDestinations(changed) {
    if (!this.map) return;
    const want = new Map();
    for (const o of changed ? [changed] : this.app.orders.values()) {
      if (isIn(onTheWay, o) && o.recipient?.lat != null) want.set(o.id, o);
    }
    for (const [id, layers] of this.destinations) {
      if ((!changed || id === changed.id) && !want.has(id)) { layers.forEach((l) => l.remove()); this.destinations.delete(id); }
    }
    for (const [id, o] of want) {
      if (this.destinations.has(id)) continue;
      const at = toMap([o.recipient.lat, o.recipient.lon]);
      this.destinations.set(id, [
        this.L.circle(at, { radius: arrivalRadius, color: '#b35c00', weight: 1, fillOpacity: 0.08 }).addTo(this.map),
        this.L.circleMarker(at, { radius: 6, color: '#b35c00', fillOpacity: 1 }).addTo(this.map).bindTooltip(label(o.recipient.name || o.id)),
      ]);
    }
  }

  tasks(courierId) {
    const c = this.app.couriers.get(courierId);
    const mine = [...this.app.orders.values()].filter((o) => o.courierId === courierId && !isIn(ended, o));
    clear(this.side).append(h('h2', {}, c?.name || courierId),
      h('ul', { class: 'list' }, mine.length ? mine.map((o) => h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => this.app.detail.open(o.id) },
        time(o.window.start, this.app.zone) + '–' + time(o.window.end, this.app.zone) + ' · ' + (o.recipient?.name || o.id) + ' · ' + t('state.' + o.state))))
        : h('li', { class: 'muted' }, t('map.noTasks'))));
  }
}

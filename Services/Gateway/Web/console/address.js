// An address as florists type it (docs/operations.md, "Address search"): candidates from the
// gateway's geocoder as they type, and a pin on the map they can drag to the very door. Coordinates
// stay WGS-84; the map shifts them to its tiles' system (toMap/fromMap).
import { api } from '/assets/session.js';
import { h, clear, toast } from '/assets/dom.js';
import { t } from '/assets/i18n.js';
import { baseMap, loadLeaflet, toMap, fromMap } from '/assets/map.js';

/** Searches what is typed in `input` near `shopId` (debounced; three characters at least) and lists the candidates in `list`. */
export class AddressSearch {
  constructor(input, list, shopId, onChoose) {
    Object.assign(this, { input, list, shopId, onChoose });
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-controls', list.id);
    input.addEventListener('input', () => this.soon());
  }

  soon() {
    clearTimeout(this.timer);
    const q = this.input.value.trim();
    if (q.length < 3 || this.none) { this.show([]); return; }
    // The list shown answers an earlier query until this one's answer comes.
    this.list.setAttribute('aria-busy', 'true');
    this.timer = setTimeout(() => this.search(q), 350);
  }

  async search(q) {
    const asked = (this.asked = q);
    try {
      const found = await api('GET', '/v1/geocode?q=' + encodeURIComponent(q) + '&shop=' + encodeURIComponent(this.shopId()));
      if (asked === this.asked) this.show(found.candidates, q);
    } catch (e) {
      if (e.code === 'conflict') this.none = true;  // no geocoder configured: the pin alone
      else if (asked === this.asked) toast(e.message);
      this.show([]);
    }
  }

  /** Candidates answering `query` ('' when none was asked): `data-query` names it, and the list is
   *  busy while the input holds a newer query. */
  show(candidates, query = '') {
    clear(this.list);
    this.list.dataset.query = query;
    this.list.setAttribute('aria-busy', String(query !== '' && query !== this.input.value.trim()));
    this.list.hidden = candidates.length === 0;
    candidates.forEach((c, i) => this.list.append(h('li', {
      role: 'option', dataset: { i: String(i) }, tabindex: '0',
      onclick: () => this.choose(c), onkeydown: (e) => { if (e.key === 'Enter') { e.preventDefault(); this.choose(c); } },
    }, c.address)));
  }

  choose(c) {
    this.input.value = c.address;
    this.show([]);
    this.onChoose(c);
  }
}

/** A map on `el` with a draggable pin; clicking the map moves it there. `onMove([lat, lon])` hears
 *  every move, in WGS-84. Returns `{ set([lat, lon]) }`, or null without Leaflet. */
export async function pinMap(el, center, onMove, { shop, title } = {}) {
  const lib = await loadLeaflet();
  if (!lib) { toast(t('map.unavailable')); return null; }
  const { L } = lib;
  el.hidden = false;
  const map = baseMap(lib, el).setView(toMap(center), 15);
  if (shop) L.circleMarker(toMap(shop), { radius: 6, color: '#7a1f5c' }).addTo(map);
  let pin = null;
  const set = (point) => {
    const where = toMap(point);
    if (!pin) {
      pin = L.marker(where, { draggable: true, keyboard: true, title }).addTo(map);
      pin.on('dragend', () => { const p = pin.getLatLng(); onMove(fromMap([p.lat, p.lng])); });
    } else {
      pin.setLatLng(where);
    }
    map.setView(where);
  };
  map.on('click', (e) => { const point = fromMap([e.latlng.lat, e.latlng.lng]); set(point); onMove(point); });
  return { set, refresh: (point) => { map.invalidateSize(); if (point) set(point); else map.setView(toMap(center)); } };
}

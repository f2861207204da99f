// Leaflet for the faces' maps: Debian's copy served by the gateway, loaded on first use; the tile
// URL comes from the gateway's settings (none configured: markers on a plain background).
//
// The faces' CSP requires Trusted Types (docs/architecture.md, "Web faces"): no string reaches an
// HTML sink unless a policy lets it. Leaflet writes a few strings of its own as HTML — its zoom
// buttons and its attribution — so the default policy lets exactly those through and refuses
// everything else: a name handed to Leaflet as a string throws instead of becoming markup. Names
// go to Leaflet as elements built with textContent (`label`).
import { gcjFromWgs, wgsFromGcj } from './coords.js';
import { h } from './dom.js';
import { t } from './i18n.js';

/**
 * A position older than this is no longer shown as live: a courier on a delivery sends a fix every
 * few seconds, and posy-location pushes a still one again every 15 s (docs/operations.md, "What the
 * pages show when a phone goes quiet").
 */
export const staleAfterSeconds = 45;

/** A pushed or listed position, stamped with when it came, so its age can grow on this page. */
export function received(p) { return { ...p, receivedAt: performance.now() }; }

/** Seconds since the fix: its age when posy-location sent it, plus the time since it came. */
export function ageOf(p) { return (p.ageSeconds || 0) + (performance.now() - (p.receivedAt ?? performance.now())) / 1000; }

/** "12 s ago", "4 min ago", "2 h ago". */
export function ago(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return t('age.seconds', { n: s });
  if (s < 3600) return t('age.minutes', { n: Math.floor(s / 60) });
  return t('age.hours', { n: Math.floor(s / 3600) });
}

const attribution = '© OpenStreetMap contributors';
const leafletMarkup = new Set(['', '+', '&#x2212;', attribution]);
if (window.trustedTypes && !window.trustedTypes.defaultPolicy) {
  window.trustedTypes.createPolicy('default', { createHTML: (s) => (leafletMarkup.has(s) ? s : null) });
}

let leaflet;

/** `{L, tiles}`, or null when the gateway serves no Leaflet. */
export async function loadLeaflet() {
  if (leaflet !== undefined) return leaflet;
  const settings = await fetch('/assets/settings.json').then((r) => r.json());
  if (!settings.leaflet) { leaflet = null; return null; }
  document.head.append(h('link', { rel: 'stylesheet', href: '/vendor/leaflet/leaflet.css' }));
  const L = await import('/vendor/leaflet/leaflet.esm.js');
  leaflet = { L, tiles: settings.mapTiles };
  mapSystem = settings.mapCoordinates || 'wgs84';
  return leaflet;
}

/** The coordinate system the tiles are drawn in (`--map-coordinates`): `wgs84` or `gcj02`. */
let mapSystem = 'wgs84';

/** A WGS-84 [lat, lon] where it is drawn on these tiles. */
export function toMap(point) { return mapSystem === 'gcj02' ? gcjFromWgs(point) : point; }

/** A point taken from these tiles back in WGS-84. */
export function fromMap(point) { return mapSystem === 'gcj02' ? wgsFromGcj(point) : point; }

/** A map on `el` with the tiles configured (if any) and their attribution, which is text. */
export function baseMap({ L, tiles }, el, options = {}) {
  const map = L.map(el, { ...options, attributionControl: false });
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19, attribution }).addTo(map);
    L.control.attribution({ prefix: false }).addTo(map);
  }
  return map;
}

/** What a tooltip shows: `text` as text, whatever it holds. */
export function label(text) {
  return h('span', {}, String(text ?? ''));
}

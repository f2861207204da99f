// Leaflet for the faces' maps: Debian's copy served by the gateway, loaded on first use; the tile
// URL comes from the gateway's settings (none configured: markers on a plain background).
import { h } from './dom.js';

let leaflet;

/** `{L, tiles}`, or null when the gateway serves no Leaflet. */
export async function loadLeaflet() {
  if (leaflet !== undefined) return leaflet;
  const settings = await fetch('/assets/settings.json').then((r) => r.json());
  if (!settings.leaflet) { leaflet = null; return null; }
  document.head.append(h('link', { rel: 'stylesheet', href: '/vendor/leaflet/leaflet.css' }));
  const L = await import('/vendor/leaflet/leaflet.esm.js');
  leaflet = { L, tiles: settings.mapTiles };
  return leaflet;
}

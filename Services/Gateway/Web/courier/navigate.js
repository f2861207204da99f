// Navigation in the app the courier uses (docs/architecture.md, "Coordinates"): each map app's deep
// link with the coordinate system it expects — AMap GCJ-02, Baidu BD-09, Apple/Google/geo: WGS-84 —
// and the courier's choice remembered on this phone.
import { gcjFromWgs, bdFromGcj } from '/assets/coords.js';

const choiceKey = 'posy.courier.navApp';

/** The apps offered, in this order. */
export const navApps = ['amap', 'baidu', 'apple', 'google', 'geo'];

/** The deep link of `app` to the WGS-84 point [lat, lon] named `name`. */
export function navLink(app, [lat, lon], name = '') {
  const label = encodeURIComponent(name);
  const f = (x) => x.toFixed(6);
  switch (app) {
    case 'amap': {
      const [a, b] = gcjFromWgs([lat, lon]);
      return 'https://uri.amap.com/navigation?to=' + f(b) + ',' + f(a) + ',' + label + '&mode=ride&coordinate=gaode&callnative=1&src=posy';
    }
    case 'baidu': {
      const [a, b] = bdFromGcj(gcjFromWgs([lat, lon]));
      return 'baidumap://map/direction?destination=latlng:' + f(a) + ',' + f(b) + '|name:' + label + '&coord_type=bd09ll&mode=riding&src=posy';
    }
    case 'apple': return 'https://maps.apple.com/?daddr=' + f(lat) + ',' + f(lon) + '&dirflg=d';
    case 'google': return 'https://www.google.com/maps/dir/?api=1&destination=' + f(lat) + ',' + f(lon) + '&travelmode=bicycling';
    default: return 'geo:' + f(lat) + ',' + f(lon) + '?q=' + f(lat) + ',' + f(lon) + (label ? '(' + label + ')' : '');
  }
}

/** The app the courier chose to keep using, if any. */
export function chosenApp() {
  const app = localStorage.getItem(choiceKey);
  return navApps.includes(app) ? app : null;
}

export function rememberApp(app) {
  if (app) localStorage.setItem(choiceKey, app); else localStorage.removeItem(choiceKey);
}

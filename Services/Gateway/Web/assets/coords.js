// Coordinates for maps whose tiles are not WGS-84 (docs/architecture.md, "Coordinates"): AMap's and
// Tencent's tiles are drawn in GCJ-02, so a WGS-84 point is shifted before it becomes a marker and a
// point taken from the map is shifted back. The same formula as ChinaCoordinates in PosySchema.

const A = 6378245.0;
const EE = 0.00669342162296594323;

function outsideChina(lat, lon) {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function delta(lat, lon) {
  const x = lon - 105.0, y = lat - 35.0;
  let dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  dLat += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
  dLat += (20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
  dLat += (160.0 * Math.sin(y / 12.0 * Math.PI) + 320 * Math.sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
  let dLon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  dLon += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
  dLon += (20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
  dLon += (150.0 * Math.sin(x / 12.0 * Math.PI) + 300.0 * Math.sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
  const radLat = lat / 180.0 * Math.PI;
  const magic = 1 - EE * Math.sin(radLat) ** 2;
  const sqrtMagic = Math.sqrt(magic);
  return [(dLat * 180.0) / ((A * (1 - EE)) / (magic * sqrtMagic) * Math.PI), (dLon * 180.0) / (A / sqrtMagic * Math.cos(radLat) * Math.PI)];
}

/** WGS-84 [lat, lon] → GCJ-02. */
export function gcjFromWgs([lat, lon]) {
  if (outsideChina(lat, lon)) return [lat, lon];
  const [dLat, dLon] = delta(lat, lon);
  return [lat + dLat, lon + dLon];
}

/** GCJ-02 [lat, lon] → WGS-84, inverted by iteration to the millimetre. */
export function wgsFromGcj([lat, lon]) {
  if (outsideChina(lat, lon)) return [lat, lon];
  let w = [lat, lon];
  for (let i = 0; i < 10; i++) {
    const back = gcjFromWgs(w);
    const e = [back[0] - lat, back[1] - lon];
    w = [w[0] - e[0], w[1] - e[1]];
    if (Math.abs(e[0]) < 1e-9 && Math.abs(e[1]) < 1e-9) break;
  }
  return w;
}

const X_PI = Math.PI * 3000.0 / 180.0;

/** GCJ-02 [lat, lon] → BD-09 (Baidu). */
export function bdFromGcj([lat, lon]) {
  const z = Math.sqrt(lon * lon + lat * lat) + 0.00002 * Math.sin(lat * X_PI);
  const theta = Math.atan2(lat, lon) + 0.000003 * Math.cos(lon * X_PI);
  return [z * Math.sin(theta) + 0.006, z * Math.cos(theta) + 0.0065];
}

"""The browser side of `posy bench customer`: the customer's page in headless Chromium at a phone's
viewport, opened from the order's tracking link while its courier rides, measured from the page.

usage: customer_bench.py <config.json>

config: {"base", "link", "courier", "positions", "home": [lat, lon], "start": [lat, lon]}.

Measures (printed as one JSON line):
- position → marker: a fix sent over HTTP as the courier → the marker at that place on the page
  (a MutationObserver in the page stamps each new place), one fix after another;
- the shell: every file the page loaded (HTML, CSS, JS, catalogue) without Leaflet, decoded and gzipped.
"""
import datetime
import json
import sys
import time
import urllib.request

import webpage

cfg = json.load(open(sys.argv[1]))
base = cfg["base"]


def post(path, token, body):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as r:
        return r.status, json.loads(r.read())



def fix(lat, lon):
    at = datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")
    return {"lat": lat, "lon": lon, "accuracy": 8, "at": at}


driver = webpage.browser(390, 844)
report = {}
try:
    driver.get(cfg["link"])
    webpage.until("live", lambda: driver.execute_script("return document.getElementById('live')?.dataset.state === 'live'"))
    report["shell"] = webpage.shell_size(driver, base)

    driver.execute_script("""
      window.__moved = {};
      const map = document.getElementById('map');
      new MutationObserver(() => { const c = map.dataset.courier; if (c && !(c in window.__moved)) window.__moved[c] = Date.now(); })
        .observe(map, {attributes: true, attributeFilter: ['data-courier']});
    """)
    (lat0, lon0), (lat1, lon1) = cfg["start"], cfg["home"]
    n = cfg["positions"]
    latencies = []
    for i in range(1, n + 1):
        # 15 m a step, a step every ~0.3 s: a courier at about 50 km/h, under posy-location's jump filter.
        lat = lat0 + (0.000135 if lat1 > lat0 else -0.000135) * i
        key = "%.5f,%.5f" % (lat, lon0)
        sent = time.time() * 1000
        status, body = post("/v1/locations", cfg["courier"], {"positions": [fix(lat, lon0)]})
        if status != 200 or body.get("accepted") != 1:
            raise SystemExit("fix refused: %r" % body)
        seen = webpage.until("the marker at " + key, lambda: driver.execute_script("return window.__moved[arguments[0]] ?? null", key), 10)
        latencies.append(seen - sent)
        time.sleep(0.25)  # the push interval (the bench runs posy-location with --push-interval 0.2)
    report["positionToMarker"] = {"n": len(latencies), "p50ms": round(webpage.percentile(latencies, 50), 1),
                                  "p99ms": round(webpage.percentile(latencies, 99), 1), "maxms": round(max(latencies), 1)}
    print(json.dumps(report))
finally:
    driver.quit()

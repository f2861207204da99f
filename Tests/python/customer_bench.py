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

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

cfg = json.load(open(sys.argv[1]))
base = cfg["base"]


def post(path, token, body):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as r:
        return r.status, json.loads(r.read())


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else None


def wait(what, predicate, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.005)
    raise SystemExit("timed out: " + what)


def fix(lat, lon):
    at = datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")
    return {"lat": lat, "lon": lon, "accuracy": 8, "at": at}


options = Options()
for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=500,900"):
    options.add_argument(flag)
driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
report = {}
try:
    driver.get(cfg["link"])
    wait("live", lambda: driver.execute_script("return document.getElementById('live')?.dataset.state === 'live'"))
    names = driver.execute_script("return [location.href].concat(performance.getEntriesByType('resource').map(e => e.name))")
    shell = sorted({n.split("#")[0] for n in names if n.startswith(base) and "/v1/" not in n and "/vendor/leaflet/" not in n
                    and "settings.json" not in n})
    plain = gzipped = 0
    for url in shell:
        with urllib.request.urlopen(urllib.request.Request(url)) as r:
            plain += len(r.read())
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})) as r:
            gzipped += len(r.read())
    report["shell"] = {"files": len(shell), "decodedBytes": plain, "transferredBytes": gzipped}

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
        seen = wait("the marker at " + key, lambda: driver.execute_script("return window.__moved[arguments[0]] ?? null", key), 10)
        latencies.append(seen - sent)
        time.sleep(0.25)  # the push interval (the bench runs posy-location with --push-interval 0.2)
    report["positionToMarker"] = {"n": len(latencies), "p50ms": round(percentile(latencies, 50), 1),
                                  "p99ms": round(percentile(latencies, 99), 1), "maxms": round(max(latencies), 1)}
    print(json.dumps(report))
finally:
    driver.quit()

"""The browser side of `posy bench console`: the shop console in headless Chromium with a day of
orders and couriers moving, measured from the page itself.

usage: console_bench.py <config.json>

config: {"base", "link", "staff", "couriers": [token…], "orders": [id…], "transitions", "loads"}.

Measures (printed as one JSON line):
- load: navigation → live board (the console's own `board-live` performance mark: the day's
  orders rendered and the stream open), over `loads` reloads;
- event → screen: a confirm sent over HTTP → its card shown in the new column (a MutationObserver
  in the page stamps each card's first appearance per state), for `transitions` orders in a row;
- the shell: bytes the console loaded (HTML, CSS, JS, catalogue), decoded and as transferred,
  without Leaflet.
"""
import json
import sys
import threading
import time
import urllib.request
from datetime import datetime, timezone

import webpage

cfg = json.load(open(sys.argv[1]))
base = cfg["base"]
stop = threading.Event()


def post(path, token, body):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as r:
        return r.status


def ride():
    """Every courier a fix every 2 s, moving north-east at about 8 m/s."""
    step = 0
    while not stop.is_set():
        at = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
        for i, token in enumerate(cfg["couriers"]):
            fix = {"lat": 31.20 + 0.001 * i + 0.00015 * step, "lon": 121.40 + 0.00015 * step, "accuracy": 10, "at": at}
            try:
                post("/v1/locations", token, {"positions": [fix]})
            except Exception:  # a busy moment: the next round sends again
                pass
        step += 1
        stop.wait(2)



driver = webpage.browser()
rider = threading.Thread(target=ride, daemon=True)
rider.start()
report = {}
try:
    driver.get(cfg["link"])
    loads = []
    for i in range(cfg["loads"]):
        if i:
            driver.refresh()
        deadline = time.time() + 60
        mark = None
        while time.time() < deadline and mark is None:
            mark = driver.execute_script("const m = performance.getEntriesByName('board-live'); return m.length ? m[0].startTime : null")
            time.sleep(0.02)
        if mark is None:
            raise SystemExit("the board never went live")
        loads.append(mark)
    shown = driver.execute_script("return document.querySelectorAll('[data-order]').length")
    report["load"] = {"runs": len(loads), "p50ms": round(webpage.percentile(loads, 50), 1), "maxms": round(max(loads), 1), "cards": shown}

    # The shell as a first visit gets it (not Leaflet, not the API).
    report["shell"] = webpage.shell_size(driver, base)

    driver.execute_script("""
      window.__seen = {};
      const stamp = () => { for (const c of document.querySelectorAll('[data-order]')) {
        const k = c.dataset.order + ':' + c.dataset.state; if (!(k in window.__seen)) window.__seen[k] = Date.now(); } };
      stamp();
      new MutationObserver(stamp).observe(document.getElementById('board'), {subtree: true, childList: true, attributes: true});
    """)
    latencies = []
    for order_id in cfg["orders"][: cfg["transitions"]]:
        sent = time.time() * 1000
        if post("/v1/orders/%s/confirm" % order_id, cfg["staff"], {}) != 200:
            raise SystemExit("confirm refused for " + order_id)
        key = order_id + ":confirmed"
        deadline = time.time() + 10
        seen = None
        while seen is None and time.time() < deadline:
            seen = driver.execute_script("return window.__seen[arguments[0]] ?? null", key)
            if seen is None:
                time.sleep(0.005)
        if seen is None:
            raise SystemExit("the board never showed " + key)
        latencies.append(seen - sent)
    report["eventToScreen"] = {"n": len(latencies), "p50ms": round(webpage.percentile(latencies, 50), 1),
                               "p99ms": round(webpage.percentile(latencies, 99), 1), "maxms": round(max(latencies), 1)}
    print(json.dumps(report))
finally:
    stop.set()
    driver.quit()

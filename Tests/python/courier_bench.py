"""The browser side of `posy bench courier`: the courier app in headless Chromium at a phone's
viewport, measured from the page itself.

usage: courier_bench.py <config.json>

config: {"base", "link", "staff", "courier", "orders": [id…] (confirmed), "positions"}.

Measures (printed as one JSON line):
- the shell: every file the app loaded (HTML, CSS, JS, catalogue, manifest), decoded and gzipped;
- tap → acknowledged: an assignment's Accept tapped → the server's reply to it (the outbox's
  `sent` event), one order after another;
- the offline queue: `positions` fixes kept with the network cut, then the network back → the
  queue empty, with the requests and stream frames that carried them counted from Chromium's log.
"""
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
        return r.status



driver = webpage.browser(390, 844)
driver.execute_cdp_cmd("Network.enable", {})
report = {}
try:
    driver.get(cfg["link"])
    webpage.until("live", lambda: driver.execute_script("return document.getElementById('live')?.dataset.state === 'live'"))

    report["shell"] = webpage.shell_size(driver, base, skip=("/v1/",))

    # Tap → acknowledged: the page stamps each reply to a tap as the outbox reports it.
    driver.execute_script("""
      window.__acked = {};
      window.posy.outbox.addEventListener('sent', (e) => {
        if (e.detail.item.orderId) window.__acked[e.detail.item.orderId] = performance.now(); });
    """)
    latencies = []
    for order_id in cfg["orders"]:
        if post("/v1/orders/%s/assign" % order_id, cfg["staff"], {"courierId": cfg["courier"]}) != 200:
            raise SystemExit("assign refused for " + order_id)
        webpage.until("the alert for " + order_id, lambda: driver.execute_script(
            "return document.getElementById('assignment').open && document.querySelector('#assignment-body .summary') !== null"
            " && window.posy.orders.get(arguments[0])?.state === 'assigned'", order_id))
        tapped = driver.execute_script("const t = performance.now(); document.getElementById('accept').click(); return t;")
        acked = webpage.until("the reply for " + order_id, lambda: driver.execute_script("return window.__acked[arguments[0]] ?? null", order_id))
        latencies.append(acked - tapped)
    report["tapToAck"] = {"n": len(latencies), "p50ms": round(webpage.percentile(latencies, 50), 1),
                          "p99ms": round(webpage.percentile(latencies, 99), 1), "maxms": round(max(latencies), 1)}

    # The offline queue: fixes kept with no network (through the app's own outbox), then drained.
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    webpage.until("offline", lambda: driver.execute_script("return document.getElementById('live')?.dataset.state === 'offline'"))
    driver.execute_script("window.__drained = null; window.posy.outbox.addEventListener('positions', (e) => { window.__drained = e.detail.count; });")
    driver.execute_async_script("""
      const [n, done] = arguments;
      const t0 = Date.now() - n * 1000;
      (async () => {
        for (let i = 0; i < n; i++) {
          const at = new Date(t0 + i * 1000).toISOString();
          await window.posy.outbox.add({ kind: 'position', fix: { lat: 31.2304 - i * 0.00001, lon: 121.4737, accuracy: 8, at } });
        }
        done();
      })();
    """, cfg["positions"])
    waiting = driver.execute_script("return window.posy.outbox.pending().then((p) => p.length)")
    driver.get_log("performance")  # count from the moment the signal returns (tries while offline never left)
    started = time.time()
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    webpage.until("drained", lambda: driver.execute_script("return window.posy.outbox.pending().then((p) => p.length === 0)"), 60)
    drain_ms = (time.time() - started) * 1000
    requests = frames = 0
    for entry in driver.get_log("performance"):
        m = json.loads(entry["message"])["message"]
        if m.get("method") == "Network.requestWillBeSent" and m["params"]["request"]["url"].endswith("/v1/locations"):
            requests += 1
        if m.get("method") == "Network.webSocketFrameSent" and '"loc.batch"' in m["params"]["response"]["payloadData"]:
            frames += 1
    report["offlineQueue"] = {"kept": waiting, "sentInOne": driver.execute_script("return window.__drained"),
                              "requests": requests, "frames": frames, "drainms": round(drain_ms)}
    print(json.dumps(report))
finally:
    driver.quit()

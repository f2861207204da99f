"""A "look before you sign" video call between two headless Chromiums with fake cameras and
microphones: the courier app calls from the task, the customer's page (the tracking link) rings,
is answered, both peer connections reach `connected` and decode video, "looks good" ends it.

usage: call_page.py <config.json>

config: {"base", "courier_link", "tracking_link", "order_id", "conversation_id", "staff", "screenshots"}.

Chromium gathers no loopback ICE candidates unless told (`--allow-loopback-in-peer-connection`).
Prints one line per check, a JSON report and OK; exits non-zero on the first failure.
"""
import json
import os
import sys
import time

import webpage
from selenium.webdriver.common.by import By

cfg = json.load(open(sys.argv[1]))
base = cfg["base"]
shots = cfg["screenshots"]
os.makedirs(shots, exist_ok=True)
report = {"screenshots": []}
courier = customer = None
fail, until = webpage.fail, webpage.until


def dump():
    for name, d in (("courier", courier), ("customer", customer)):
        if d:
            for entry in d.get_log("browser"):
                print(name, "console:", entry["message"])
            d.save_screenshot(os.path.join(shots, "failure-call-%s.png" % name))


webpage.on_failure.append(dump)


def shot(d, name):
    path = os.path.join(shots, name + ".png")
    d.save_screenshot(path)
    report["screenshots"].append(path)


def state(d):
    return d.execute_script("return (window.posy.call && window.posy.call.state) || null")


def frames(d):
    return d.execute_async_script("const done = arguments[0]; window.posy.call.framesDecoded().then(done, () => done(-1));")


flags = ("--allow-loopback-in-peer-connection",)
courier = webpage.browser(390, 844, flags)
customer = webpage.browser(390, 844, flags)
try:
    courier.get(cfg["courier_link"])
    until("the courier app live", lambda: courier.current_url.startswith(base + "/courier/")
          and courier.find_element(By.ID, "live").get_attribute("data-state") == "live", 15)
    customer.get(cfg["tracking_link"])
    until("the customer's page live", lambda: customer.find_element(By.ID, "live").get_attribute("data-state") == "live", 15)

    webpage.click(courier, '#tasks [data-order="%s"]' % cfg["order_id"])
    started = time.time()
    webpage.click(courier, '[data-act="video"]')
    until("ringing on the customer's page", lambda: customer.find_element(By.ID, "call").get_attribute("data-state") == "ringing", 15)
    shot(customer, "call-ringing-phone")
    webpage.click(customer, "#call-accept")
    until("both connected", lambda: state(courier) == "connected" and state(customer) == "connected", 20)
    report["inviteToConnectedMs"] = round((time.time() - started) * 1000)
    until("video decoded on both sides", lambda: frames(courier) > 0 and frames(customer) > 0, 20)
    report["framesDecoded"] = {"courier": frames(courier), "customer": frames(customer)}
    routes = {n: d.execute_async_script("const done = arguments[0]; window.posy.call.route().then(done, () => done(null));")
              for n, d in (("courier", courier), ("customer", customer))}
    report["route"] = routes
    if cfg.get("relay") and set(routes.values()) != {"relay"}:
        fail("through the TURN relay, but the connections use %r" % routes)
    print("route:", routes)
    until("the customer sees the flowers", lambda: customer.execute_script(
        "const v = document.getElementById('call-remote'); return v.videoWidth > 0 && !v.paused"), 10)
    shot(customer, "call-connected-phone")
    shot(courier, "call-courier-phone")
    print("rang, answered, connected in %d ms; frames decoded: %r" % (report["inviteToConnectedMs"], report["framesDecoded"]))

    webpage.click(customer, "#call-good")
    until("ended on both sides", lambda: state(courier) == "ended" and state(customer) == "ended", 10)

    def texts():
        page = webpage.http(base, "GET", "/v1/conversations/%s/messages?limit=100" % cfg["conversation_id"], cfg["staff"])[1]
        return [m.get("text", "") for m in (page or {}).get("messages", [])]
    ended = until("the call in the chat", lambda: [t for t in texts() if t.startswith("Video call ended by the customer after")], 10)
    if "Video call started by the courier." not in texts():
        fail("the chat: %r" % texts())
    status, evidence = webpage.http(base, "GET", "/v1/orders/%s/evidence" % cfg["order_id"], cfg["staff"])[:2]
    looks = (evidence or {}).get("looks", [])
    snap = (looks[0].get("snapshot") or {}) if looks else {}
    if status != 200 or len(looks) != 1 or looks[0].get("ok") is not True or snap.get("contentType") != "image/jpeg" \
            or not evidence.get("chain", {}).get("ok"):
        fail("the evidence after 'looks good': %s %r %r" % (status, looks, (evidence or {}).get("chain")))
    media = webpage.http(base, "GET", "/v1/media/" + snap["id"], cfg["staff"])
    if media[0] != 200 or len(media[1]) < 1000:
        fail("the snapshot the customer took: %s %d bytes" % (media[0], len(media[1] or b"")))
    report["snapshotBytes"] = len(media[1])
    page = webpage.http(base, "GET", "/v1/orders/%s/evidence.html" % cfg["order_id"], cfg["staff"])
    if page[0] != 200 or b"Looked at before the hand-over" not in page[1] or b"Looks good" not in page[1]:
        fail("the evidence page does not show the look: %s" % page[0])
    print("'looks good' ended the call; the chat says: %s; the evidence chain holds the verdict with a %d-byte frame"
          % (ended[0], len(media[1])))
    report["ok"] = True
    print(json.dumps(report))
    print("OK")
finally:
    for d in (courier, customer):
        if d:
            d.quit()

"""Drives the courier app in headless Chromium at a phone's viewport, as a courier on an e-bike would,
while the shop and the customer act through the API.

usage: courier_app.py <config.json>

config: {"base", "courier_link", "courier_id", "admin", "staff", "customer_token", "customer_id",
"http_port", "screenshots"}.

Geolocation comes from the DevTools protocol (a recorded ride), the camera from Chromium's fake
device; part of the ride happens with the network cut. Prints one line per check, a JSON report and
OK; exits non-zero on the first failure.
"""
import json
import os
import sys
import threading
import time
import urllib.request

import webpage
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from websockets.sync.client import connect

cfg = json.load(open(sys.argv[1]))
base = cfg["base"]
shots = cfg["screenshots"]
os.makedirs(shots, exist_ok=True)
report = {"screenshots": []}
driver = None
CARD = "For the best mum, love M."
SENDER = "Secret Admirer Zhou"
SHOP = (31.2304, 121.4737)
HOME = (31.2262, 121.4737)  # about 470 m south of the shop


def dump():
    if driver:
        for entry in driver.get_log("browser"):
            print("console:", entry["message"])
        shot("failure-courier")


webpage.on_failure.append(dump)
fail, until = webpage.fail, webpage.until


def http(method, path, token=None, body=None):
    return webpage.http(base, method, path, token, body)[:2]


def shot(name):
    path = os.path.join(shots, name + ".png")
    driver.save_screenshot(path)
    report["screenshots"].append(path)


def click(css, timeout=10.0):
    webpage.click(driver, css, timeout)


def at(lat, lon):
    driver.execute_cdp_cmd("Emulation.setGeolocationOverride", {"latitude": lat, "longitude": lon, "accuracy": 8})


def network(online):
    driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                           {"offline": not online, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})


def order_state(order_id):
    return http("GET", "/v1/orders/" + order_id, cfg["admin"])[1]["state"]


driver = webpage.browser(390, 844)
try:
    driver.execute_cdp_cmd("Browser.grantPermissions", {"origin": base, "permissions": ["geolocation"]})
    driver.execute_cdp_cmd("Network.enable", {})
    at(*SHOP)

    # --- Sign in by link; go on duty.
    driver.get(cfg["courier_link"])
    until("the courier app", lambda: driver.current_url.startswith(base + "/courier/"))
    until("live", lambda: driver.find_element(By.ID, "live").get_attribute("data-state") == "live")
    click("#duty")
    until("on duty on the server", lambda: http("GET", "/v1/shops/s1/couriers", cfg["admin"])[1][0]["onDuty"] is True)
    print("signed in and on duty")

    # --- The shop takes an order with a card message and an anonymous sender, assigns it.
    order = {
        "shopId": "s1", "customer": {"id": cfg["customer_id"], "name": "Mei"},
        "recipient": {"name": "Mother", "phone": "+86 139 0000 0002", "address": "12 Garden Rd", "lat": HOME[0], "lon": HOME[1]},
        "sender": {"name": SENDER, "anonymous": True}, "items": [{"name": "carnations", "quantity": 12}], "cardMessage": CARD,
        "handling": {"noDoorstep": True, "keepCool": True},
        "window": {"start": "2030-05-10T10:00:00+08:00", "end": "2030-05-10T12:00:00+08:00"},
    }
    status, created = http("POST", "/v1/orders", cfg["staff"], order)
    if status != 201:
        fail("order: %s %r" % (status, created))
    order_id = created["id"]
    http("POST", "/v1/orders/%s/confirm" % order_id, cfg["staff"], {})
    http("POST", "/v1/orders/%s/assign" % order_id, cfg["staff"], {"courierId": cfg["courier_id"]})
    until("the assignment alert", lambda: driver.find_element(By.ID, "assignment").is_displayed())
    countdown = until("its countdown", lambda: driver.find_element(By.ID, "countdown").text)
    if "Accept within" not in countdown:
        fail("countdown: %r" % countdown)
    shot("courier-assignment-phone")
    click("#accept")
    until("accepted", lambda: order_state(order_id) == "accepted")
    print("assignment alerted (%s), accepted" % countdown)

    # --- The task: rules as badges; picked up.
    click('#tasks [data-order="%s"]' % order_id)
    view = until("the task view", lambda: driver.find_element(By.ID, "task-view").text)
    for rule in ("Keep cool", "Never at the door"):
        if rule not in view:
            fail("badge %r missing: %r" % (rule, view))
    shot("courier-task-phone")
    click('[data-act="pickup"]')
    until("picked up", lambda: order_state(order_id) == "pickedUp")
    print("badges shown, picked up")

    # --- The ride, with the customer's stream listening.
    positions = []
    stop = threading.Event()

    def listen():
        with connect("ws://127.0.0.1:%d/v1/stream" % cfg["http_port"], additional_headers={"Authorization": "Bearer " + cfg["customer_token"]}) as ws:
            while not stop.is_set():
                try:
                    frame = json.loads(ws.recv(timeout=0.5))
                except TimeoutError:
                    continue
                if frame.get("type") == "order.position":
                    positions.append(frame["data"])

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    steps = 28
    offline_from, offline_to = 10, 16
    for i in range(1, steps + 1):
        lat = SHOP[0] + (HOME[0] - SHOP[0]) * i / steps
        at(lat, SHOP[1])
        if i == offline_from:
            network(False)
            until("the offline banner", lambda: driver.find_element(By.ID, "offline").is_displayed(), 10)
            driver.find_element(By.ID, "chat-text").send_keys("Stuck at the lights, 5 minutes")
            click("#task-view form.composer button[type='submit']")
            click('[data-act="problem"]')
            until("the problem sheet", lambda: driver.find_element(By.ID, "problem").is_displayed())
            shot("courier-problem-phone")
            click('#problem-kinds [data-kind="traffic"]')
            until("both waiting", lambda: driver.find_element(By.CSS_SELECTOR, "#queue [data-waiting]").get_attribute("data-waiting") == "2")
            shot("courier-offline-phone")
        if i == offline_to:
            network(True)
        time.sleep(1.0)
    until("arriving", lambda: order_state(order_id) == "arriving", 30)
    until("the queue drained", lambda: not driver.find_elements(By.CSS_SELECTOR, "#queue [data-waiting]"), 20)
    stop.set()
    listener.join(5)
    status, page = http("GET", "/v1/conversations/%s/messages?limit=100" % created["conversationId"], cfg["staff"])
    said = [m for m in page["messages"] if m.get("text") == "Stuck at the lights, 5 minutes"]
    status, attention = http("GET", "/v1/shops/s1/attention", cfg["admin"])
    reports = [e for e in attention["exceptions"] if e["orderId"] == order_id]
    if len(said) != 1 or len(reports) != 1 or reports[0]["kind"] != "traffic":
        fail("after the gap: %d messages, %d reports" % (len(said), len(reports)))
    timeline = [e["state"] for e in http("GET", "/v1/orders/%s/timeline" % order_id, cfg["admin"])[1]]
    if timeline.count("outForDelivery") != 1 or timeline.count("arriving") != 1:
        fail("timeline: %r" % timeline)
    if len(positions) < 3:
        fail("the customer saw %d positions" % len(positions))
    report["customerPositions"] = len(positions)
    print("ride: on the way and arriving by geofence; %d positions on the customer's stream; the message and the report "
          "made offline arrived once" % len(positions))

    # --- A voice message from the fake microphone, held to talk; the customer gets it with its length.
    webdriver.ActionChains(driver).click_and_hold(driver.find_element(By.ID, "chat-voice")).pause(1.6).release().perform()

    def voices():
        page = http("GET", "/v1/conversations/%s/messages?limit=100" % created["conversationId"], cfg["customer_token"])[1]
        return [m for m in (page or {}).get("messages", []) if m["kind"] == "voice"]
    voice = until("the voice message for the customer", voices, 15)
    if len(voice) != 1 or not 1000 <= voice[0]["media"].get("durationMs", 0) <= 5000:
        fail("voice messages: %r" % voice)
    req = urllib.request.Request(base + "/v1/media/" + voice[0]["media"]["id"], headers={"Authorization": "Bearer " + cfg["customer_token"]})
    with urllib.request.urlopen(req, timeout=10) as r:
        if not r.headers.get("Content-Type", "").startswith("audio/") or len(r.read()) < 1000:
            fail("the voice message's audio for the customer")
    print("voice: a %d ms message the customer can play" % voice[0]["media"]["durationMs"])

    # --- Proof from the fake camera; the no-doorstep warning first.
    click('[data-act="proof"]')
    until("the camera", lambda: driver.execute_script("return document.getElementById('camera').videoWidth > 0"), 10)
    Select(driver.find_element(By.ID, "handed-to")).select_by_value("safePlace")
    until("the no-doorstep warning", lambda: driver.find_element(By.ID, "proof-warning").is_displayed())
    shot("courier-proof-phone")
    Select(driver.find_element(By.ID, "handed-to")).select_by_value("recipient")
    if driver.find_element(By.ID, "proof-warning").is_displayed():
        fail("the warning stayed for a hand-over to the recipient")
    click("#snap")
    click("#proof-submit")
    result = until("the server's checks", lambda: driver.find_element(By.ID, "proof-result").get_attribute("data-ok") == "true"
                   and driver.find_element(By.ID, "proof-result").text)
    until("delivered", lambda: order_state(order_id) == "delivered")
    print("proof:", result)

    # --- Nothing the app received or showed names the card message or the anonymous sender.
    bodies = []
    for entry in driver.get_log("performance"):
        m = json.loads(entry["message"])["message"]
        if m.get("method") == "Network.responseReceived" and "/v1/" in m["params"]["response"]["url"]:
            try:
                bodies.append(driver.execute_cdp_cmd("Network.getResponseBody", {"requestId": m["params"]["requestId"]})["body"])
            except Exception:  # bodies of redirects and evicted ones are gone
                pass
        if m.get("method") == "Network.webSocketFrameReceived":
            bodies.append(m["params"]["response"]["payloadData"])
    seen = "\n".join(bodies) + driver.find_element(By.TAG_NAME, "body").text
    if CARD in seen or SENDER in seen or "Secret Admirer" in seen:
        fail("the courier's app received the card message or the anonymous sender")
    if len(bodies) < 10:
        fail("only %d responses and frames were checked" % len(bodies))
    report["checkedBodies"] = len(bodies)
    print("no card message or anonymous sender in %d responses and frames" % len(bodies))

    # --- The app opens from the service worker's cache with no network.
    until("the service worker", lambda: driver.execute_script("return !!navigator.serviceWorker.controller"), 10)
    click("#proof [data-close]")
    click(".back")
    shot("courier-tasks-phone")
    network(False)
    driver.refresh()
    until("the shell offline", lambda: driver.find_element(By.ID, "tasks") and driver.find_element(By.ID, "offline").is_displayed(), 10)
    network(True)
    print("the shell opened from the cache with no network")
    Select(driver.find_element(By.ID, "lang")).select_by_value("zh-CN")
    until("Chinese", lambda: "我的配送" in driver.find_element(By.TAG_NAME, "body").text)
    shot("courier-tasks-zh-phone")
    print("zh-CN")
    report["ok"] = True
    print(json.dumps(report))
    print("OK")
finally:
    driver.quit()

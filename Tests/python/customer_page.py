"""Drives the customer's page (the tracking link `/t/<token>`) in headless Chromium at a phone's
viewport, as the person who ordered carnations for her mother would, while the shop and the courier
act through the API.

usage: customer_page.py <config.json>

config: {"base", "admin", "staff", "courier", "courier_id", "expired_link", "foreign_link", "screenshots"}.

The shop's time zone is chosen so that it is now 11:xx there, and the seed's window — 10:00–12:00
today, or 10:30–12:30 in the hour's second half — ends 30 to 60 minutes from now: a courier standing
still 1.7 km away is predicted late, and one riding to the door is not (whatever the minute of the hour).
Prints one line per check, a JSON report and OK; exits non-zero on the first failure.
"""
import datetime
import json
import os
import re
import sys
import time

import webpage
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

cfg = json.load(open(sys.argv[1]))
base = cfg["base"]
shots = cfg["screenshots"]
os.makedirs(shots, exist_ok=True)
report = {"screenshots": []}
driver = None
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "media")
SHOP = (31.2304, 121.4737)
STUCK = (31.2277, 121.4737)   # 300 m south of the shop: out of its geofence
HOME = (31.2124, 121.4737)    # 1.7 km further south
COURIER_PHONE = "+86 131 0000 0001"


def dump():
    if driver:
        for entry in driver.get_log("browser"):
            print("console:", entry["message"])
        shot("failure-customer")


webpage.on_failure.append(dump)
fail, until = webpage.fail, webpage.until


def http(method, path, token=None, body=None, headers=None):
    return webpage.http(base, method, path, token, body, headers)[:2]


def upload(path, content_type, order_id, token):
    data = open(path, "rb").read()
    status, body, _ = webpage.http_raw(base, "POST", "/v1/media?orderId=" + order_id, token, data, content_type)
    if status != 201:
        fail("upload %s: %s %r" % (path, status, body))
    return body["id"]


def shot(name, top=False):
    if top:
        driver.execute_script("window.scrollTo(0, 0)")
    path = os.path.join(shots, name + ".png")
    driver.save_screenshot(path)
    report["screenshots"].append(path)


def click(css, timeout=10.0):
    webpage.click(driver, css, timeout)


def text(css):
    return driver.find_element(By.CSS_SELECTOR, css).text


def visible(css):
    found = driver.find_elements(By.CSS_SELECTOR, css)
    return bool(found) and found[0].is_displayed()


def post_fixes(points):
    """Fixes for the courier, `points` = [(lat, lon, seconds ago)], oldest first."""
    now = time.time()
    fixes = [{"lat": lat, "lon": lon, "accuracy": 8,
              "at": datetime.datetime.fromtimestamp(now - ago, datetime.timezone.utc).isoformat().replace("+00:00", "Z")}
             for lat, lon, ago in points]
    status, body = http("POST", "/v1/locations", cfg["courier"], {"positions": fixes})
    if status != 200 or body.get("accepted") != len(fixes):
        fail("positions: %s %r" % (status, body))


def order_state(order_id):
    return http("GET", "/v1/orders/" + order_id, cfg["admin"])[1]["state"]


# --- The shop, in a zone where it is now 11:xx, and the seed's order: carnations, 10:00–12:00 (or
# 10:30–12:30 after half past, so that the window always ends 30–60 minutes from now), no doorstep.
now = datetime.datetime.now(datetime.timezone.utc)
offset = 11 - now.hour
offset = offset + 24 if offset < -12 else offset - 24 if offset > 14 else offset
zone = "Etc/GMT" if offset == 0 else ("Etc/GMT-%d" % offset if offset > 0 else "Etc/GMT+%d" % -offset)
local = now + datetime.timedelta(hours=offset)
day = local.date().isoformat()
sign = "+" if offset >= 0 else "-"
minute = "30" if local.minute >= 30 else "00"
window = {"start": "%sT10:%s:00%s%02d:00" % (day, minute, sign, abs(offset)),
          "end": "%sT12:%s:00%s%02d:00" % (day, minute, sign, abs(offset))}
window_label = "10:%s–12:%s" % (minute, minute)
window_end = datetime.datetime.fromisoformat(window["end"]).timestamp()
status, body = http("POST", "/v1/shops", cfg["admin"], {"id": "s1", "name": "Carnation Corner", "address": "1 Flower St",
                                                         "lat": SHOP[0], "lon": SHOP[1], "timeZone": zone})
if status != 201:
    fail("shop: %s %r" % (status, body))
# The shop keeps chat shorter than the deployment does: the page says its own days.
status, body = http("PUT", "/v1/shops/s1/retention", cfg["admin"], {"chatDays": 14})
if status != 200:
    fail("shop retention: %s %r" % (status, body))
http("POST", "/v1/shops/s1/couriers", cfg["admin"],
     {"id": cfg["courier_id"], "name": "Li Wei", "phone": COURIER_PHONE, "vehicle": "ebike", "onDuty": True})
status, created = http("POST", "/v1/orders", cfg["staff"], {
    "shopId": "s1", "customer": {"id": "c1", "name": "Mei", "phone": "+86 138 0000 0001"},
    "recipient": {"name": "Mother", "phone": "+86 139 0000 0002", "address": "12 Garden Rd", "lat": HOME[0], "lon": HOME[1]},
    "items": [{"name": "carnations", "quantity": 12}], "cardMessage": "For the best mum",
    "handling": {"noDoorstep": True}, "window": window,
})
if status != 201:
    fail("order: %s %r" % (status, created))
order_id = created["id"]
link = created["trackingUrl"]
print("the seed's order in %s (now %s there), window %s" % (zone, local.strftime("%H:%M"), window))

driver = webpage.browser(390, 844)
try:
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Browser.grantPermissions", {"origin": base, "permissions": ["notifications"]})

    # --- The link opens the page: state, stepper, window in the shop's zone, the destination and no courier.
    driver.get(link)
    until("the page", lambda: visible("#main") and window_label in text("#window"))
    until("live", lambda: driver.find_element(By.ID, "live").get_attribute("data-state") == "live")
    until("the map with the destination", lambda: driver.find_elements(By.CSS_SELECTOR, "#map .destination-marker"))
    if driver.find_elements(By.CSS_SELECTOR, "#map .courier-marker"):
        fail("a courier on the map before departure")
    if "Carnation Corner" not in text("#title") or text("#steps li.now") != "Ordered":
        fail("title %r, step %r" % (text("#title"), text("#steps li.now")))
    if visible("#alerts"):
        fail("alerts offered before the flowers are on their way")
    shot("customer-ordered-phone", top=True)
    print("opened: %s, %r, the destination and no courier on the map" % (text("#state"), text("#window")))

    # --- The shop assigns it; the courier accepts where they stand, 1.7 km away, and stays there. Their
    # fixes start at the assignment (ones from more than 30 s before it would be refused: no part of
    # this delivery).
    for path, token, body in (("confirm", cfg["staff"], {}), ("assign", cfg["staff"], {"courierId": cfg["courier_id"]}),
                              ("accept", cfg["courier"], {})):
        status, reply = http("POST", "/v1/orders/%s/%s" % (order_id, path), token, body)
        if status != 200:
            fail("%s: %s %r" % (path, status, reply))
    # The first fix is dated 27 s back (within the 30 s a phone's clock may be off), so the minute of
    # standing still posy-location needs for a speed takes half a minute of the test.
    standing_since = time.time() - 27
    post_fixes([(STUCK[0], STUCK[1], 27), (STUCK[0], STUCK[1], 0)])

    # --- Chat: the assistant answers "where are my flowers?"; the shop's reply arrives live.
    driver.find_element(By.ID, "chat-text").send_keys("where are my flowers?")
    click("#composer button[type='submit']")
    answer = until("the assistant's answer", lambda: [e.text for e in driver.find_elements(By.CSS_SELECTOR, '#messages [data-party="assistant"]')])
    status, body = http("POST", "/v1/conversations/%s/messages" % created["conversationId"], cfg["staff"],
                        {"clientMsgId": "shop-1", "kind": "text", "text": "They leave the shop within the hour."})
    until("the shop's message", lambda: "within the hour" in text("#messages"))
    print("chat: the assistant answered (%r), the shop's reply came live" % answer[-1][:60])

    # --- A neighbour drop-off asked from the link waits for the shop; the approval shows live.
    Select(driver.find_element(By.ID, "change-kind")).select_by_value("handToNeighbour")
    driver.find_element(By.ID, "change-text").send_keys("Mrs Wang, No. 14")
    click("#change-form button[type='submit']")
    change_id = until("pending", lambda: [e.get_attribute("data-change") for e in driver.find_elements(
        By.CSS_SELECTOR, '#changes [data-state="pending"]')])[0]
    shot("customer-change-phone")
    status, body = http("POST", "/v1/orders/%s/changes/%s/approve" % (order_id, change_id), cfg["staff"], {})
    if status != 200:
        fail("approve: %s %r" % (status, body))
    until("approved live", lambda: driver.find_elements(By.CSS_SELECTOR, '#changes [data-change="%s"][data-state="applied"]' % change_id))
    print("a neighbour drop-off waited for the shop; its approval showed live")

    # --- A minute standing still (posy-location's speed needs a minute of fixes), then picked up; the page follows.
    time.sleep(max(0.0, standing_since + 61 - time.time()))
    post_fixes([(STUCK[0], STUCK[1], 0)])
    status, reply = http("POST", "/v1/orders/%s/pickup" % order_id, cfg["courier"], {})
    if status != 200:
        fail("pickup: %s %r" % (status, reply))
    until("picked up", lambda: text("#steps li.now") == "Picked up")
    if "Li (e-bike)" not in text("#courier"):
        fail("the courier as shown: %r" % text("#courier"))

    # --- Out of the shop's geofence and standing still 1.7 km away: on the way, and predicted late.
    post_fixes([(STUCK[0], STUCK[1], 0)])
    until("on the way", lambda: text("#steps li.now") == "On the way", 15)

    # --- "Tell me when the flowers are close", offered now they are on their way: this browser asks
    # to subscribe (headless Chromium reaches no push service, so it says alerts are unavailable), and
    # the customer's worker at /t/ shows a push as posy-notify sends it.
    until("the offer of alerts", lambda: visible("#alerts-on"), 10)
    shot("customer-alerts-offer-phone", top=True)
    click("#alerts-on")
    alerts = until("the offer answered", lambda: (driver.execute_script("return window.posy.alerts") or "asking") != "asking"
                   and driver.execute_script("return window.posy.alerts"), 20)
    if visible("#alerts"):
        fail("still offered after the answer %r" % alerts)
    if alerts != "subscribed" and not alerts.startswith("unavailable"):
        fail("the offer of alerts: %r" % alerts)
    registration = webpage.service_worker_registration(driver, base + "/t/")
    tag = "arriving-" + order_id
    payload = {"web_push": 8030, "notification": {"title": "Arriving", "body": "Your courier is about 300 m away.",
                                                  "navigate": link, "tag": tag, "lang": "en", "data": {"orderId": order_id}}}
    shown = webpage.deliver_push(driver, base, registration, base + "/customer/sw.js", payload,
                                 "self.registration.getNotifications({tag: %s}).then((ns) => ns.map((n) => n.title + '|' + n.body))"
                                 % json.dumps(tag))
    if shown != ["Arriving|Your courier is about 300 m away."]:
        fail("the customer's worker showed %r" % (shown,))
    report["alerts"] = alerts
    print("alerts offered once on the way (%s); the customer's worker showed a push" % alerts)
    # The customer sees fixes taken after the departure (the one that set it off is the shop's): the
    # next one, a cadence later (positions are pushed at most every 2 s).
    time.sleep(2.5)
    post_fixes([(STUCK[0], STUCK[1], 0)])
    until("the courier on the map", lambda: driver.find_elements(By.CSS_SELECTOR, "#map .courier-marker"), 15)
    delay = until("the delay notice", lambda: visible("#delay") and text("#delay"), 15)
    if time.time() >= window_end:
        fail("the window ended before the delay was shown")
    report["delayShownMinutesBeforeWindowEnd"] = round((window_end - time.time()) / 60, 1)
    shot("customer-late-phone", top=True)
    print("late predicted %.0f min before the window ends: %r" % ((window_end - time.time()) / 60, delay))
    if visible("#seen"):
        fail("a fresh position shown as old: %r" % text("#seen"))

    # --- The courier's phone goes quiet: "last seen" instead of a frozen marker passed off as live,
    # and the ETA says it is an estimate from that position.
    seen = until("last seen", lambda: visible("#seen") and text("#seen"), 60)
    if not re.match(r"Courier last seen \d+ s ago", seen):
        fail("last seen: %r" % seen)
    if driver.find_element(By.ID, "eta").get_attribute("data-stale") != "true" or "Estimated from the last position" not in text("#eta"):
        fail("the ETA after the phone went quiet: %r" % text("#eta"))
    if not driver.find_elements(By.CSS_SELECTOR, "#map .courier-marker.stale"):
        fail("the marker is not shown as old")
    shot("customer-stale-phone", top=True)
    print("quiet phone: %r; %r" % (seen, text("#eta")))

    # --- The ride: the marker moves with each push, the ETA updates, "arriving" near the door.
    moves, etas = set(), set()
    steps = 36
    for i in range(1, steps + 1):
        lat = STUCK[0] + (HOME[0] - STUCK[0]) * i / steps
        post_fixes([(lat, HOME[1], 0)])
        time.sleep(1.0)
        moves.add(driver.find_element(By.ID, "map").get_attribute("data-courier"))
        etas.add(driver.find_element(By.ID, "eta").get_attribute("data-at"))
    until("arriving", lambda: visible("#arriving"), 15)
    if visible("#seen"):
        fail("still 'last seen' with the courier moving: %r" % text("#seen"))
    moves.discard(None)
    etas.discard("")
    if len(moves) < 5 or len(etas) < 3:
        fail("the marker took %d places, the ETA %d values" % (len(moves), len(etas)))
    if visible("#delay"):
        fail("still late once the courier moved")
    shot("customer-arriving-phone", top=True)
    report["markerPlaces"], report["etaValues"] = len(moves), len(etas)
    print("ride: the marker took %d places, the ETA %d values; the arriving banner" % (len(moves), len(etas)))

    # --- The proof: the photo shows, the courier leaves the map; a dispute with a photo.
    photo = upload(os.path.join(FIXTURES, "photo.jpg"), "image/jpeg", order_id, cfg["courier"])
    status, body = http("POST", "/v1/orders/%s/proof" % order_id, cfg["courier"],
                        {"photoIds": [photo], "lat": HOME[0], "lon": HOME[1], "accuracy": 8, "handedTo": {"kind": "recipient"}})
    if status != 201:
        fail("proof: %s %r" % (status, body))
    until("the proof photo", lambda: driver.execute_script(
        "const i = document.querySelector('#proof img'); return !!i && i.complete && i.naturalWidth > 0"), 15)
    until("the courier off the map", lambda: not driver.find_elements(By.CSS_SELECTOR, "#map .courier-marker"))
    shot("customer-delivered-phone", top=True)
    # Opened again on the delivered order (a reload): the photo and the answer are there from the start.
    driver.refresh()
    until("the answer after a reload", lambda: driver.find_elements(By.CSS_SELECTOR, '#answer [data-act="confirm"]'), 15)
    until("the proof photo after a reload", lambda: driver.execute_script(
        "const i = document.querySelector('#proof img'); return !!i && i.complete && i.naturalWidth > 0"), 15)
    click("#answer details.dispute summary")
    Select(driver.find_element(By.CSS_SELECTOR, "#answer select")).select_by_value("wilted")
    driver.find_element(By.CSS_SELECTOR, "#answer textarea").send_keys("Left in the sun, petals brown.")
    driver.find_element(By.CSS_SELECTOR, "#answer input[type=file]").send_keys(os.path.abspath(os.path.join(FIXTURES, "photo.jpg")))
    click('#answer [data-act="dispute"]')
    until("the dispute recorded", lambda: driver.find_elements(By.CSS_SELECTOR, '#answer [data-answer="disputed"]'), 15)
    status, evidence = http("GET", "/v1/orders/%s/evidence" % order_id, cfg["admin"])
    disputes = [c for c in evidence.get("confirmations", []) if not c["ok"]]
    if status != 200 or len(disputes) != 1 or disputes[0].get("reason") != "wilted" or len(disputes[0].get("media") or []) != 1:
        fail("the dispute in the evidence: %s %r" % (status, disputes))
    shot("customer-disputed-phone")
    print("proof shown; dispute filed with its photo")

    # --- Nothing the page received names the courier beyond first name and vehicle.
    bodies = []
    for entry in driver.get_log("performance"):
        m = json.loads(entry["message"])["message"]
        if m.get("method") == "Network.responseReceived" and "/v1/" in m["params"]["response"]["url"]:
            try:
                bodies.append(driver.execute_cdp_cmd("Network.getResponseBody", {"requestId": m["params"]["requestId"]})["body"])
            except Exception:  # bodies of evicted responses are gone
                pass
        if m.get("method") == "Network.webSocketFrameReceived":
            bodies.append(m["params"]["response"]["payloadData"])
    seen = "\n".join(bodies) + driver.find_element(By.TAG_NAME, "body").text
    for secret in (COURIER_PHONE, "Li Wei", cfg["courier_id"] + '"'):
        if secret in seen:
            fail("the customer's page received %r" % secret)
    print("no courier phone, full name or id in %d responses and frames" % len(bodies))

    # --- What is kept and for how long: the deployment's table, the shop's own days for chat.
    driver.execute_script("const d = document.getElementById('privacy'); d.open = true; d.scrollIntoView()")
    until("the privacy note", lambda: len(driver.find_elements(By.CSS_SELECTOR, "#privacy-list li")) == 5)
    note = text("#privacy-list")
    for expected in ("address: 30 days after the delivery ends", "places: 14 days after the delivery ends",
                     "90 days after it is confirmed", "kept 30 days", "copy of everything"):
        if expected not in note:
            fail("the privacy note lacks %r: %r" % (expected, note))
    shot("customer-privacy-phone")
    print("the privacy note says what is kept and for how long")

    # --- Chinese.
    Select(driver.find_element(By.ID, "lang")).select_by_value("zh-CN")
    until("Chinese", lambda: "已送达" in driver.find_element(By.TAG_NAME, "body").text)
    if "保留 14 天" not in text("#privacy-list"):
        fail("the privacy note is not in Chinese: %r" % text("#privacy-list"))
    # The chat's own lines (the order's steps, the proof's card) in Chinese too, not as stored in English.
    chat = text("#messages")
    for line in ("花店已确认订单。", " 将配送此订单。", "送达凭证"):
        if line not in chat:
            fail("the chat lacks %r in Chinese: %r" % (line, chat))
    for english in ("The shop confirmed", "will deliver this order", "Proof of delivery"):
        if english in chat:
            fail("the chat still says %r in Chinese: %r" % (english, chat))
    driver.execute_script("document.getElementById('messages').scrollIntoView()")
    shot("customer-chat-zh-phone")
    driver.execute_script("document.getElementById('privacy').scrollIntoView()")
    shot("customer-privacy-zh-phone")
    shot("customer-zh-phone", top=True)
    Select(driver.find_element(By.ID, "lang")).select_by_value("en")

    # --- The shop renews the link: this page, still open, ends at once; the old link shows nothing; the new one works.
    status, renewed = http("POST", "/v1/orders/%s/tracking-link" % order_id, cfg["staff"])
    if status != 201 or not renewed.get("trackingUrl", "").startswith(base + "/t/"):
        fail("renew: %s %r" % (status, renewed))
    until("the open page ended", lambda: visible("#gone") and driver.find_element(By.ID, "gone").get_attribute("data-reason") == "expired", 10)
    if visible("#main"):
        fail("the withdrawn link's page still shows the order")
    shot("customer-withdrawn-phone")
    driver.get(link)
    until("the old link refused", lambda: visible("#gone") and not visible("#main"))
    driver.get(renewed["trackingUrl"])
    until("the new link", lambda: visible("#main") and text("#steps li.now") == "Delivered")
    print("the shop renewed the link: the open page ended at once, the old link shows nothing, the new one works")

    # --- An expired link, and one for somebody else's order: a plain message, no data.
    for name, url, reason in (("expired", cfg["expired_link"], "expired"), ("foreign", cfg["foreign_link"], "invalid"),
                              ("garbage", base + "/t/not-a-token", "invalid")):
        driver.get(url)
        until(name + " link message", lambda: visible("#gone") and driver.find_element(By.ID, "gone").get_attribute("data-reason") == reason)
        if visible("#main") or "Mother" in driver.find_element(By.TAG_NAME, "body").text:
            fail(name + " link showed data")
        if name == "expired":
            shot("customer-expired-phone")
    print("expired, foreign and broken links: a plain message and no data")
    report["ok"] = True
    print(json.dumps(report))
    print("OK")
finally:
    driver.quit()

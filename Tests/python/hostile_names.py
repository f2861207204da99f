"""Markup in every name, address, note and chat text, typed by a web shop, a customer or a courier,
shows as text on every screen of the three faces, in headless Chromium (docs/architecture.md, "Web
faces"). The markup would have made a bold word, an image request and a redirect (`<meta
http-equiv=refresh>`, which a CSP does not stop); the test finds none of them, finds the markup
written out as text where each face shows that field, and finds Trusted Types enforced.

usage: hostile_names.py <config.json>

config: {"base", "admin", "screenshots"}. Prints one line per screen, a JSON report and OK; exits
non-zero on the first failure.
"""
import datetime
import json
import os
import sys
import time

import webpage
from selenium import webdriver
from selenium.webdriver.common.by import By

cfg = json.load(open(sys.argv[1]))
base = cfg["base"]
admin = cfg["admin"]
shots = cfg["screenshots"]
os.makedirs(shots, exist_ok=True)
report = {"screens": [], "screenshots": []}
drivers = {}
# 98 characters: it fits a 100-character name. Bold, an image fetched from the suite, a redirect.
MARK = "<b class=pwned>b</b><img class=pwned src=/pwned.png><meta http-equiv=refresh content=0;url=/pwned>"
# A first name is the name's first word: markup without spaces.
FIRST = "<b/class=pwned>Wei</b>"
SHOP = (31.2304, 121.4737)
HOME = (31.2262, 121.4737)
FOUND = "return [...document.querySelectorAll('[class^=pwned], meta[http-equiv], img[src*=pwned]')].map(e => e.outerHTML)"


def dump():
    for name, driver in drivers.items():
        for entry in driver.get_log("browser"):
            print(name, "console:", entry["message"])
        shot(driver, "failure-" + name)


webpage.on_failure.append(dump)
fail, until, click = webpage.fail, webpage.until, webpage.click


def http(method, path, token=None, body=None):
    status, reply, _ = webpage.http(base, method, path, token, body)
    return status, reply


def must(what, status, reply, ok=(200, 201, 204)):
    if status not in ok:
        fail("%s: %s %r" % (what, status, reply))
    return reply


def shot(driver, name):
    path = os.path.join(shots, name + ".png")
    driver.save_screenshot(path)
    report["screenshots"].append(path)


def check(driver, face, screen, shows=(MARK,)):
    """Nothing on the screen became markup, the page was not sent anywhere, each of `shows` is there
    as text, and the browser reported no Trusted Types violation."""
    until("%s %s: the text as text" % (face, screen),
          lambda: all(s in driver.execute_script("return document.body.innerText") for s in shows), 10)
    found = driver.execute_script(FOUND)
    if found:
        fail("%s %s: markup became elements: %r" % (face, screen, found))
    if "/pwned" in driver.current_url:
        fail("%s %s: the page was redirected to %s" % (face, screen, driver.current_url))
    violations = [e["message"] for e in driver.get_log("browser") if "Trusted" in e["message"] or "pwned" in e["message"]]
    if violations:
        fail("%s %s: %r" % (face, screen, violations))
    shot(driver, "%s-%s" % (face, screen))
    report["screens"].append("%s %s" % (face, screen))
    print("%s %s: shown as text" % (face, screen))


def enforced(driver, face):
    """A string written to an HTML sink throws: the class of bug cannot come back unnoticed."""
    got = driver.execute_script(
        "try { document.body.insertAdjacentHTML('beforeend', '<i>x</i>'); return 'written' } catch (e) { return e.name }")
    if got != "TypeError":
        fail("%s: Trusted Types not enforced (%s)" % (face, got))
    if not any("TrustedHTML" in e["message"] for e in driver.get_log("browser")):  # read: later screens start clean
        fail("%s: the refused write was not reported" % face)


def open_face(driver, link, home):
    """Opens a sign-in link (or a tracking link) and waits for the face at `home` to be live."""
    driver.execute_cdp_cmd("Network.enable", {})
    driver.get(link)
    until("%s after sign-in" % home, lambda: driver.current_url.startswith(base + home), 15)
    until("%s live" % home, lambda: driver.find_element(By.ID, "live").get_attribute("data-state") == "live", 15)


def tooltips(driver):
    return driver.execute_script("return [...document.querySelectorAll('.leaflet-tooltip')].map(t => t.textContent)")


def fetched_pwned(driver):
    for entry in driver.get_log("performance"):
        m = json.loads(entry["message"])["message"]
        if m.get("method") == "Network.requestWillBeSent" and "pwned" in m["params"].get("request", {}).get("url", ""):
            return True
    return False


# --- What a web shop, its staff, a courier and a customer typed, all through the API.
now = datetime.datetime.now(datetime.timezone.utc)
offset = 11 - now.hour  # a zone where it is 11:xx now: today's 10:00–12:00 window is under way
offset = offset + 24 if offset < -12 else offset - 24 if offset > 14 else offset
zone = "Etc/GMT" if offset == 0 else ("Etc/GMT-%d" % offset if offset > 0 else "Etc/GMT+%d" % -offset)
day = (now + datetime.timedelta(hours=offset)).date().isoformat()
sign = "+" if offset >= 0 else "-"
window = {"start": "%sT10:00:00%s%02d:00" % (day, sign, abs(offset)), "end": "%sT12:00:00%s%02d:00" % (day, sign, abs(offset))}
must("shop", *http("POST", "/v1/shops", admin, {"id": "s1", "name": MARK, "address": "1 Flower St " + MARK,
                                               "lat": SHOP[0], "lon": SHOP[1], "timeZone": zone}))
must("courier", *http("POST", "/v1/shops/s1/couriers", admin,
                      {"id": "k1", "name": FIRST + " Li", "phone": "+86 131 0000 0001", "vehicle": "ebike"}))
manager_link = must("manager invite", *http("POST", "/v1/shops/s1/invites", admin, {"role": "manager", "name": MARK}))["link"]
courier_link = must("courier invite", *http("POST", "/v1/shops/s1/invites", admin,
                                            {"role": "courier", "name": FIRST + " Li", "courierId": "k1"}))["link"]
must("staff invite", *http("POST", "/v1/shops/s1/invites", admin, {"role": "staff", "name": MARK}))
must("API key", *http("POST", "/v1/shops/s1/api-keys", admin, {"name": MARK, "scopes": ["orders:read"]}))
staff = cfg["staff"]
courier = cfg["courier"]
customer = cfg["customer"]
order = must("order", *http("POST", "/v1/orders", staff, {
    "shopId": "s1", "customer": {"id": "c1", "name": MARK, "phone": "+86 139 0000 0001"},
    "recipient": {"name": MARK, "phone": "+86 139 0000 0002", "address": "12 Garden Rd " + MARK, "lat": HOME[0], "lon": HOME[1]},
    "sender": {"name": MARK, "anonymous": False}, "items": [{"name": MARK, "quantity": 12}], "cardMessage": MARK,
    "notes": MARK, "dropOff": {"kind": "handToNeighbour", "description": MARK}, "window": window}))
order_id, conversation = order["id"], order["conversationId"]
link = order["trackingUrl"]
for step, token, body in (("confirm", staff, {}), ("assign", staff, {"courierId": "k1"}), ("accept", courier, {}),
                          ("pickup", courier, {}), ("depart", courier, {})):
    must(step, *http("POST", "/v1/orders/%s/%s" % (order_id, step), token, body))
must("duty", *http("POST", "/v1/couriers/k1/duty", courier, {"onDuty": True}))
fix = {"lat": SHOP[0] - 0.001, "lon": SHOP[1], "accuracy": 8, "at": datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")}
must("position", *http("POST", "/v1/locations", courier, {"positions": [fix]}))
for who, token in (("customer", customer), ("staff", staff), ("courier", courier)):
    until("%s's message" % who, lambda: http("POST", "/v1/conversations/%s/messages" % conversation, token,
                                              {"clientMsgId": "m-" + who, "kind": "text", "text": MARK})[0] == 201)
must("exception", *http("POST", "/v1/orders/%s/exceptions" % order_id, courier, {"kind": "traffic", "note": MARK}))
must("change", *http("POST", "/v1/orders/%s/changes" % order_id, customer, {"dropOff": {"kind": "safePlace", "description": MARK}}))
print("typed: shop, courier, people, key, order, chat, exception, change")

try:
    # --- The shop console, at a desk.
    desk = drivers["console"] = webpage.browser()
    open_face(desk, manager_link, "/console/")
    enforced(desk, "console")
    check(desk, "console", "board")
    click(desk, '[data-order="%s"]' % order_id)
    check(desk, "console", "detail", shows=(MARK, "12 Garden Rd " + MARK))
    desk.execute_script("document.getElementById('detail-dialog').close()")
    click(desk, '[data-tab="map"]')
    until("the shop's and the courier's names on the map, as text",
          lambda: MARK in tooltips(desk) and FIRST + " Li" in tooltips(desk), 15)
    # The recipient's name shows when the pointer is on their destination.
    destination = until("the destination marker", lambda: [p for p in desk.find_elements(By.CSS_SELECTOR, "#map path.leaflet-interactive")
                                                          if p.get_attribute("stroke") == "#b35c00" and p.get_attribute("fill-opacity") == "1"])
    webdriver.ActionChains(desk).move_to_element(destination[0]).perform()
    until("the recipient's name on the map, as text", lambda: tooltips(desk).count(MARK) >= 2, 10)
    check(desk, "console", "map", shows=())
    click(desk, '[data-tab="problems"]')
    check(desk, "console", "problems")
    click(desk, '[data-tab="chat"]')
    click(desk, '[data-conversation="%s"]' % conversation)
    until("three messages", lambda: desk.execute_script("return document.getElementById('messages').innerText").count(MARK) >= 3)
    check(desk, "console", "chat")
    click(desk, '[data-tab="settings"]')
    check(desk, "console", "settings", shows=(MARK, FIRST + " Li"))
    click(desk, '[data-tab="inbox"]')
    check(desk, "console", "inbox", shows=())
    if fetched_pwned(desk):
        fail("the console fetched the markup's image")

    # --- The courier app, on a phone.
    phone = drivers["courier"] = webpage.browser(390, 844)
    open_face(phone, courier_link, "/courier/")
    enforced(phone, "courier")
    check(phone, "courier", "tasks")
    click(phone, '#tasks [data-order="%s"]' % order_id)
    until("the chat's messages in the task, as text",
          lambda: phone.execute_script("return document.getElementById('messages')?.innerText || ''").count(MARK) >= 2, 10)
    check(phone, "courier", "task", shows=(MARK, "12 Garden Rd " + MARK))
    phone.execute_script("document.getElementById('messages').scrollIntoView()")
    shot(phone, "courier-task-chat")
    if fetched_pwned(phone):
        fail("the courier app fetched the markup's image")

    # --- The customer's page, from the tracking link.
    page = drivers["customer"] = webpage.browser(390, 844)
    open_face(page, link, "/t/")
    enforced(page, "customer")
    until("the courier's first name on the map, as text", lambda: FIRST in tooltips(page), 15)
    check(page, "customer", "order", shows=(FIRST, MARK))
    until("the chat's messages, as text",
          lambda: page.execute_script("return document.getElementById('messages').innerText").count(MARK) >= 3, 10)
    page.execute_script("document.getElementById('messages').scrollIntoView()")
    check(page, "customer", "chat")
    if fetched_pwned(page):
        fail("the customer's page fetched the markup's image")
    report["ok"] = True
    print(json.dumps(report))
    print("OK")
finally:
    for d in drivers.values():
        d.quit()

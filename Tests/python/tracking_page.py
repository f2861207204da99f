"""Drives the customer's tracking page in headless Chromium (selenium), as a customer would.

usage: tracking_page.py <trackingUrl> <apiBase> <staffToken> <orderId> <courierId>

Opens the link, checks the page shows the order, then moves the order on through the API (as
staff) and checks the page follows live, from the stream. Prints one line per check and exits
non-zero on the first failure.
"""
import json
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

tracking, api, staff, order_id, courier = sys.argv[1:6]


def post(path, body):
    request = urllib.request.Request(api + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": "Bearer " + staff, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as r:
        return r.status


def wait_for(driver, element, predicate, timeout=10.0):
    deadline = time.time() + timeout
    text = ""
    while time.time() < deadline:
        text = driver.find_element("id", element).text
        if predicate(text):
            return text
        time.sleep(0.1)
    raise SystemExit("FAIL: #%s is %r" % (element, text))


options = Options()
for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
    options.add_argument(flag)
driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
try:
    driver.get(tracking)
    print("loaded:", wait_for(driver, "state", lambda t: t == "Ordered"))
    wait_for(driver, "items", lambda t: "carnations" in t)
    live = driver.find_element("id", "live")
    deadline = time.time() + 10
    while live.get_attribute("class") != "on" and time.time() < deadline:
        time.sleep(0.1)
    if live.get_attribute("class") != "on":
        raise SystemExit("FAIL: the page did not open its stream")
    assert post("/v1/orders/%s/confirm" % order_id, {}) == 200
    assert post("/v1/orders/%s/assign" % order_id, {"courierId": courier}) == 200
    print("live:", wait_for(driver, "state", lambda t: t == "A courier is assigned"))
    courier_line = wait_for(driver, "courier", lambda t: t.startswith("Your courier:"))
    print("courier:", courier_line)
    if courier in courier_line:
        raise SystemExit("FAIL: the page shows the courier's id")
    steps = wait_for(driver, "timeline", lambda t: t.count("\n") >= 2)
    print("timeline:", steps.replace("\n", " / "))
    driver.get(api + "/t/not-a-token")
    print("bad link:", wait_for(driver, "message", lambda t: "not valid" in t))
    print("OK")
finally:
    driver.quit()

"""The browser side of `posy bench call`: "look before you sign" calls between two headless
Chromiums with fake cameras (the courier app and the customer's page), one after another on
loopback, each timed from the courier's tap to both peer connections `connected`.

usage: call_bench.py <config.json>

config: {"base", "courier_link", "tracking_link", "order_id", "calls"}. Prints one JSON line.
"""
import json
import sys
import time

import webpage
from selenium.webdriver.common.by import By

cfg = json.load(open(sys.argv[1]))
base = cfg["base"]


def state(d):
    return d.execute_script("return (window.posy.call && window.posy.call.state) || null")


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else None


flags = ("--allow-loopback-in-peer-connection",)
courier = webpage.browser(390, 844, flags)
customer = webpage.browser(390, 844, flags)
try:
    courier.get(cfg["courier_link"])
    webpage.until("the courier app live", lambda: courier.current_url.startswith(base + "/courier/")
                  and courier.find_element(By.ID, "live").get_attribute("data-state") == "live", 20)
    customer.get(cfg["tracking_link"])
    webpage.until("the customer's page live", lambda: customer.find_element(By.ID, "live").get_attribute("data-state") == "live", 20)
    webpage.click(courier, '#tasks [data-order="%s"]' % cfg["order_id"])
    setups = []
    for _ in range(cfg["calls"]):
        started = time.time()
        webpage.click(courier, '[data-act="video"]')
        webpage.until("ringing", lambda: customer.find_element(By.ID, "call").get_attribute("data-state") == "ringing", 15)
        webpage.click(customer, "#call-accept")
        webpage.until("both connected", lambda: state(courier) == "connected" and state(customer) == "connected", 20)
        setups.append((time.time() - started) * 1000)
        webpage.click(customer, "#call-hangup")
        webpage.until("ended", lambda: state(courier) == "ended" and state(customer) == "ended", 10)
        webpage.until("the dialogs closed", lambda: not courier.find_element(By.ID, "call").is_displayed()
                      and not customer.find_element(By.ID, "call").is_displayed(), 10)
    print(json.dumps({"setup": {"n": len(setups), "p50ms": round(percentile(setups, 50)), "p99ms": round(percentile(setups, 99)),
                                "maxms": round(max(setups))}}))
finally:
    courier.quit()
    customer.quit()

"""The courier's Call button with a masked-number provider, in headless Chromium at a phone's
viewport: the order's page holds no trace of the recipient's own number, and Call dials the number
the provider bound for this order.

usage: courier_masked_call.py <config.json>

config: {"base", "courier_link", "order_id", "recipient_phone", "masked_number", "screenshots"}.
Prints one line per check and OK; exits non-zero on the first failure.
"""
import json
import os
import re
import sys

import webpage
from selenium.webdriver.common.by import By

cfg = json.load(open(sys.argv[1]))
base = cfg["base"]
shots = cfg["screenshots"]
os.makedirs(shots, exist_ok=True)
driver = None


def dump():
    if driver:
        for entry in driver.get_log("browser"):
            print("console:", entry["message"])
        driver.save_screenshot(os.path.join(shots, "failure-masked-call.png"))


webpage.on_failure.append(dump)
fail, until = webpage.fail, webpage.until


def digits(text):
    return re.sub(r"[^\d+]", "", text)


def navigations():
    """The URLs the page asked to navigate to, from the DevTools log since the last call."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Page.frameRequestedNavigation":
            urls.append(message["params"]["url"])
    return urls


driver = webpage.browser(390, 844)
try:
    driver.get(cfg["courier_link"])
    until("the courier app", lambda: driver.current_url.startswith(base + "/courier/"))
    until("live", lambda: driver.find_element(By.ID, "live").get_attribute("data-state") == "live")
    order = '#tasks [data-order="%s"]' % cfg["order_id"]
    webpage.click(driver, order)
    button = until("the Call button", lambda: driver.find_element(By.CSS_SELECTOR, '[data-act="masked-call"]'))
    if not button.is_displayed():
        fail("the Call button is not shown")

    # Nothing of the recipient's own number anywhere in the page: not as text, not in a tel: link.
    page = driver.page_source
    if cfg["recipient_phone"] in page or digits(cfg["recipient_phone"]) in page:
        fail("the page holds the recipient's number")
    links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, 'a[href^="tel:"]')]
    if links:
        fail("the page links a phone number: %r" % links)
    print("the order's page shows Call and no number of the recipient's")
    driver.save_screenshot(os.path.join(shots, "courier-masked-call-phone.png"))

    navigations()  # what came before
    webpage.click(driver, '[data-act="masked-call"]')
    dialled = until("Call asked for the masked number",
                    lambda: driver.find_element(By.CSS_SELECTOR, '[data-act="masked-call"]').get_attribute("data-number"))
    if dialled != cfg["masked_number"]:
        fail("the app holds %r, the provider bound %r" % (dialled, cfg["masked_number"]))
    wanted = "tel:" + digits(cfg["masked_number"])
    seen = until("the phone asked to dial", lambda: [u for u in navigations() if u.startswith("tel:")], 5)
    if seen != [wanted]:
        fail("the page asked to dial %r, not %r" % (seen, wanted))
    print("Call dialled the provider's number:", seen[0])

    if driver.current_url.startswith("tel:") or not driver.current_url.startswith(base + "/courier/"):
        fail("the app left its page: %s" % driver.current_url)
    print("the app stayed on its page")
    print("OK")
finally:
    if driver:
        driver.quit()

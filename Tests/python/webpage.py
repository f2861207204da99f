"""What the browser tests share: a headless Chromium (a phone's viewport emulated below 500 px),
the API over urllib, waiting for what a page shows, clicking what a page may redraw meanwhile, and
failing with the browsers' console logs and a screenshot."""
import json
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import (ElementClickInterceptedException, NoSuchElementException, StaleElementReferenceException,
                                        WebDriverException)
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from websockets.sync.client import connect

# Run before failing (a test adds one that dumps its browsers' logs and screenshots).
on_failure = []


def fail(message):
    for hook in on_failure:
        try:
            hook()
        except Exception:  # a browser may be gone
            pass
    raise SystemExit("FAIL: " + message)


def http(base, method, path, token=None, body=None, headers=None):
    """(status, JSON or raw body, headers); status 0 when nothing answered."""
    data = json.dumps(body).encode() if body is not None else None
    h = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        h["Authorization"] = "Bearer " + token
    h.update(headers or {})
    if "_data" in h:
        data = h.pop("_data")
    request = urllib.request.Request(base + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            raw = r.read()
            json_body = raw and r.headers.get("Content-Type", "").startswith("application/json")
            return r.status, (json.loads(raw) if json_body else raw), r.headers
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw), e.headers
        except ValueError:
            return e.code, raw, e.headers
    except (urllib.error.URLError, ConnectionError):
        return 0, None, {}


def http_raw(base, method, path, token, data, content_type):
    """Bytes as the body (an upload): (status, JSON or raw body, headers); status 0 when nothing answered."""
    return http(base, method, path, token, None, {"Content-Type": content_type, "_data": data})


def until(what, predicate, timeout=10.0):
    """The predicate's first truthy value within `timeout` seconds; an element redrawn meanwhile is asked again."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except (StaleElementReferenceException, NoSuchElementException):
            pass
        except WebDriverException as e:
            # Asked while the page navigates (a sign-in link sending the person on to their face):
            # ask again on the page it arrives at. Any other failure is the test's.
            if "navigat" not in (e.msg or ""):
                raise
        time.sleep(0.05)
    fail("%s (last: %r)" % (what, last))


def browser(width=1366, height=900, flags=()):
    options = Options()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=%d,%d" % (max(width, 500), height), "--use-fake-device-for-media-stream",
                 "--use-fake-ui-for-media-stream", "--lang=en-US", "--autoplay-policy=no-user-gesture-required") + tuple(flags):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    if width < 500:
        # Headless windows are at least 500 px wide: a phone's viewport is emulated instead.
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 2, "mobile": True})
    return driver


def service_worker_registration(driver, scope, timeout=10.0):
    """The DevTools id of the service worker registration for `scope`. ChromeDriver passes on no
    ServiceWorker events, so this asks the browser's DevTools endpoint itself, on a connection of its own."""
    address = driver.capabilities["goog:chromeOptions"]["debuggerAddress"]
    pages = json.load(urllib.request.urlopen("http://%s/json/list" % address))
    page = next(p for p in pages if p.get("type") == "page" and p.get("url", "").startswith(scope))
    deadline = time.time() + timeout
    with connect(page["webSocketDebuggerUrl"], max_size=None) as ws:
        ws.send(json.dumps({"id": 1, "method": "ServiceWorker.enable"}))
        while time.time() < deadline:
            try:
                message = json.loads(ws.recv(timeout=max(0.1, deadline - time.time())))
            except TimeoutError:
                break
            if message.get("method") == "ServiceWorker.workerRegistrationUpdated":
                for r in message["params"]["registrations"]:
                    if r["scopeURL"] == scope and not r.get("isDeleted"):
                        return r["registrationId"]
    fail("no service worker registration for %s" % scope)


def in_service_worker(driver, script_url, expression, timeout=10.0):
    """The value of `expression` (a promise is awaited) evaluated in the running service worker whose
    script is `script_url` — what ChromeDriver cannot reach — on a DevTools connection of its own."""
    address = driver.capabilities["goog:chromeOptions"]["debuggerAddress"]
    deadline = time.time() + timeout
    while True:
        targets = json.load(urllib.request.urlopen("http://%s/json/list" % address))
        workers = [t for t in targets if t.get("type") == "service_worker" and t.get("url") == script_url]
        if workers:
            break
        if time.time() > deadline:
            fail("no running service worker %s" % script_url)
        time.sleep(0.2)
    with connect(workers[0]["webSocketDebuggerUrl"], max_size=None) as ws:
        ws.send(json.dumps({"id": 1, "method": "Runtime.evaluate",
                            "params": {"expression": expression, "awaitPromise": True, "returnByValue": True}}))
        while True:
            message = json.loads(ws.recv(timeout=max(0.1, deadline - time.time())))
            if message.get("id") == 1:
                result = message.get("result", {})
                if "exceptionDetails" in result:
                    fail("in the service worker: %r" % result["exceptionDetails"])
                return result.get("result", {}).get("value")


def deliver_push(driver, base, registration, worker, payload, shown_js):
    """Delivers `payload` to the service worker registration `registration` as a push service would
    (DevTools' `ServiceWorker.deliverPushMessage`) and returns the first truthy value of `shown_js`
    evaluated in the worker whose script is `worker`. DevTools may hand a push to a worker that is
    still starting and lose it: tried up to three times (a notification's tag replaces an earlier
    one of the same tag, so one is all there can be)."""
    driver.execute_cdp_cmd("ServiceWorker.enable", {})
    shown = None
    for _ in range(3):
        driver.execute_cdp_cmd("ServiceWorker.deliverPushMessage",
                               {"origin": base, "registrationId": registration, "data": json.dumps(payload)})
        deadline = time.time() + 5
        while not shown and time.time() < deadline:
            shown = in_service_worker(driver, worker, shown_js)
            time.sleep(0.2)
        if shown:
            break
    return shown


def click(driver, css, timeout=10.0):
    """Clicks the first visible, enabled match; a page that re-rendered meanwhile is asked again."""
    def attempt():
        found = [e for e in driver.find_elements(By.CSS_SELECTOR, css) if e.is_displayed() and e.is_enabled()]
        if not found:
            return False
        try:
            driver.execute_script("arguments[0].scrollIntoView({block:'center'})", found[0])
            found[0].click()
            return True
        except (StaleElementReferenceException, ElementClickInterceptedException):
            return False
    until("clickable " + css, attempt, timeout)


def candidates(driver, list_id, field, timeout=10.0):
    """The shown candidates of the address list `list_id` once it answers what `field` holds now; a
    list still answering an earlier, shorter query would be redrawn under the click."""
    def answered():
        shown = driver.find_element(By.ID, list_id)
        if shown.get_attribute("data-query") != field.get_attribute("value").strip():
            return False
        return [o for o in shown.find_elements(By.TAG_NAME, "li") if o.is_displayed()]
    return until("candidates for %r" % field.get_attribute("value"), answered, timeout)


def percentile(values, p):
    """The nearest-rank percentile of `values` (None for none)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else None


def shell_size(driver, base, skip=("/v1/", "/vendor/leaflet/", "settings.json")):
    """The page's shell as a first visit gets it: every file it loaded from `base` but the API, Leaflet
    and the settings, fetched again plain and gzipped."""
    names = driver.execute_script("return [location.href].concat(performance.getEntriesByType('resource').map(e => e.name))")
    shell = sorted({n.split("#")[0] for n in names if n.startswith(base) and not any(s in n for s in skip)})
    plain = gzipped = 0
    for url in shell:
        with urllib.request.urlopen(urllib.request.Request(url)) as r:
            plain += len(r.read())
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})) as r:
            gzipped += len(r.read())
    return {"files": len(shell), "decodedBytes": plain, "transferredBytes": gzipped}

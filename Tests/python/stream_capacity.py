#!/usr/bin/env python3
"""Live streams at a gateway's limit, and on several gateways sharing one port (docs/operations.md,
"Open files"), driven as clients would: staff of shop s1 holding `GET /v1/stream` WebSockets.

usage: stream_capacity.py <config.json>

config: {"port", "admin", "staff", "staffs", "courier", "mode", "streams"}; the suite runs under a low
open-file limit, so that a gateway's stream limit (the limit less its reserve) is small. Streams are
opened in turn by the hundred staff of `staffs`, as many people's would be.

- mode "full", one gateway (one person holds at most 4 streams): a person's fifth stream is refused
  with 429, `Retry-After` and `rate_limited` while others' are admitted, and is admitted once one of
  their four closes. Then streams open until the gateway refuses one — with 503, `Retry-After` and
  the error code `unavailable`, at its `streams_limit` and not before; while full, the API and
  /healthz answer, and an order placed and a courier's position reach every open stream; once ten
  close, twenty asking at once get exactly their ten places, and one more is refused. Then a flood
  of bare connections, more than the gateway accepts at once, waits its turn: nothing crashes, and
  once the flood is gone the gateway answers at once. Last, a client that never reads: its frames
  are read no further while their replies wait (TCP holds it back), pushes for it are held to 4 MiB,
  then that stream alone is closed and counted once (`streams_closed_behind`), the event it was
  waiting to write as a failed write (`streams_write_failed`); another stream of the same person
  hears on.
- mode "shared", several gateways: `streams` streams, more than one gateway's limit, all admitted
  and spread over the gateways; an order placed and a courier's position reach every one of them.
  Each gateway subscribes on the bus to its own streams' push topics only: once they close, none
  holds any; with one stream open, only its gateway does, and a push for it reaches no other.

Prints one line per check and OK; exits non-zero on the first failure.
"""
import asyncio
import base64
import itertools
import json
import os
import re
import resource
import socket
import sys
import time
import urllib.error
import urllib.request

import websockets
from websockets.exceptions import InvalidStatus

cfg = json.load(open(sys.argv[1]))
PORT = cfg["port"]
BASE = "http://127.0.0.1:%d" % PORT
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def fail(what):
    print("FAIL:", what, flush=True)
    sys.exit(1)


def http(method, path, token=None, body=None):
    req = urllib.request.Request(BASE + path, method=method, data=None if body is None else json.dumps(body).encode())
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw and r.headers.get_content_type() == "application/json" else raw.decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def must(what, status, body, want=(200, 201)):
    if status not in want:
        fail("%s: %s %r" % (what, status, body))
    return body


def gauges(name):
    """The gauge `posy_<name>` per gateway instance, from /metrics (every instance's figures)."""
    text = must("metrics", *http("GET", "/metrics", cfg["admin"]))
    out = {}
    for m in re.finditer(r'^posy_%s\{instance="(gateway[^"]*)",service="gateway"\} (\d+)$' % name, text, re.M):
        out[m.group(1)] = int(m.group(2))
    return out


def counter(name):
    text = must("metrics", *http("GET", "/metrics", cfg["admin"]))
    return sum(int(m.group(1)) for m in re.finditer(r'^posy_%s_total\{instance="gateway[^"]*"[^}]*\} (\d+)$' % name, text, re.M))


def counters_by_instance(name):
    """The counter `posy_<name>_total` per gateway instance (absent: 0)."""
    text = must("metrics", *http("GET", "/metrics", cfg["admin"]))
    out = {}
    for m in re.finditer(r'^posy_%s_total\{instance="(gateway[^"]*)"[^}]*\} (\d+)$' % name, text, re.M):
        out[m.group(1)] = out.get(m.group(1), 0) + int(m.group(2))
    return out


def fresh():
    """Lets /metrics's snapshot (gathered at most once a second per gateway) expire, so that what is
    read next was gathered after what the test just did — not, in a fast run, before it."""
    time.sleep(1.2)


def until(what, check, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = check()
        if v:
            return v
        time.sleep(0.2)
    fail("waited %.0f s for %s" % (timeout, what))


class Stream:
    """One staff stream, recording its frames."""

    def __init__(self, ws):
        self.ws = ws
        self.frames = []
        self.task = asyncio.create_task(self.read())

    async def read(self):
        try:
            async for text in self.ws:
                self.frames.append(json.loads(text))
        except websockets.ConnectionClosed:
            pass

    def heard(self, kind, pred):
        return any(f.get("type") == kind and pred(f.get("data") or {}) for f in self.frames)

    async def close(self):
        await self.ws.close()
        await self.task


STAFFS = itertools.cycle(cfg["staffs"])


async def open_stream(token=None):
    """A stream (the next of the staff's, unless `token`), or the refusal (status, headers, body)."""
    try:
        ws = await websockets.connect(BASE.replace("http", "ws") + "/v1/stream",
                                      additional_headers={"Authorization": "Bearer " + (token or next(STAFFS))},
                                      open_timeout=20, ping_interval=None, max_queue=None)
    except InvalidStatus as e:
        return None, (e.response.status_code, e.response.headers, e.response.body.decode(errors="replace"))
    s = Stream(ws)
    return s, None


def place_order(customer, recipient, item):
    """An order of shop s1 for delivery in an hour or two; its body."""
    window_start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    window_end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 7200))
    return must("order", *http("POST", "/v1/orders", cfg["staff"], {
        "shopId": "s1", "customer": customer, "recipient": recipient,
        "items": [item], "window": {"start": window_start, "end": window_end}}))


async def heard_everywhere(streams, what):
    """Places an order and sends a courier's position; waits until every stream heard both."""
    order = place_order({"id": "c1", "name": "Mei"},
                        {"name": "Mother", "phone": "+49 30 1234", "address": "Karl-Marx-Allee 1", "lat": 52.5208, "lon": 13.4095},
                        {"name": "carnations", "quantity": 12})
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    lat = 52.52 + len(what) / 10000.0
    must("position", *http("POST", "/v1/locations", cfg["courier"], {"positions": [{"lat": lat, "lon": 13.41, "accuracy": 5, "at": at}]}))
    deadline = time.time() + 30
    while time.time() < deadline:
        placed = [s for s in streams if s.heard("order.placed", lambda d: d.get("orderId") == order["id"] or d.get("id") == order["id"])]
        moved = [s for s in streams if s.heard("courier.position", lambda d: abs(d.get("lat", 0) - lat) < 1e-9)]
        if len(placed) == len(streams) and len(moved) == len(streams):
            print("%s: the order placed and the courier's position reached all %d streams" % (what, len(streams)))
            return
        await asyncio.sleep(0.2)
    fail("%s: the order reached %d of %d streams, the position %d" % (what, len(placed), len(streams), len(moved)))


def stuck_stream(token):
    """A WebSocket on a raw socket that will never read past the upgrade's answer: a tiny receive
    buffer, so that what the gateway writes to it stays in the gateway."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    s.connect(("127.0.0.1", PORT))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET /v1/stream HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer %s\r\n\r\n" % (PORT, key, token)).encode())
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        byte = s.recv(1)  # one at a time: nothing after the head is taken
        if not byte:
            fail("the stuck stream's upgrade: connection closed after %r" % head)
        head += byte
    if not head.startswith(b"HTTP/1.1 101"):
        fail("the stuck stream's upgrade: %r" % head)
    return s


def pings(count, ref_bytes):
    """`count` masked `ping` frames, as a client sends them, each with a `ref` of `ref_bytes` that
    its reply echoes."""
    payload = ('{"type":"ping","ref":"%s"}' % ("r" * ref_bytes)).encode()
    mask = os.urandom(4)
    # Masked text frames: a length up to 125 in the second byte, up to 65,535 after it (126).
    head = bytes([0x81, 0x80 | 126]) + len(payload).to_bytes(2, "big") if len(payload) > 125 else bytes([0x81, 0x80 | len(payload)])
    frame = head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return frame * count


async def behind():
    """A client that never reads: what it asks is read no further once its replies wait (TCP holds
    it back), and pushes for it are held to 4 MiB, then its stream alone is closed and counted once,
    the event it was waiting to write as one failed write; the same person's other stream hears on."""
    customer = {"id": "c2", "name": "Lan"}
    aunt = {"name": "Aunt", "phone": "+49 30 5678", "address": "Frankfurter Tor 2", "lat": 52.5158, "lon": 13.4541}
    order = place_order(customer, aunt, {"name": "peonies", "quantity": 7})
    conversation = order["conversationId"]
    fresh()
    before, failed_before = counter("streams_closed_behind"), counter("streams_write_failed")
    observer, refused = await open_stream()
    if refused:
        fail("the observing stream: %r" % (refused,))
    sock = stuck_stream(cfg["staff"])
    # 30,000 pings of 4 KiB (120 MiB): far more than the kernel's buffers on both sides hold.
    sock.settimeout(10)
    try:
        sock.sendall(pings(30000, 4096))
        fail("the gateway read 120 MiB of frames from a client that took none of their replies")
    except socket.timeout:
        pass
    except (BrokenPipeError, ConnectionResetError):
        fail("the gateway closed a client that only read slowly")
    fresh()
    if counter("streams_closed_behind") != before:
        fail("a client not taking its replies was closed instead of held back")
    print("a client sending frames and taking none of their replies was held back by TCP (120 MiB not taken in 10 s), not closed")
    # Its socket takes nothing now: an event for the shop leaves its stream waiting to write it.
    second = place_order(customer, aunt, {"name": "tulips", "quantity": 9})
    deadline = time.time() + 30
    while not observer.heard("order.placed", lambda d: d.get("orderId") == second["id"] or d.get("id") == second["id"]):
        if time.time() > deadline:
            fail("the observing stream never heard the second order")
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    # Messages of 12 KB for the shop's staff: pushes for the stuck stream pile up in the gateway.
    text = "\u82b1" * 4000
    sent = 0
    while counter("streams_closed_behind") == before:
        if sent >= 1500:
            fail("1,500 pushes of 12 KB (18 MB) held for a stream that takes none, and it is still open")
        for _ in range(50):
            must("message", *http("POST", "/v1/conversations/%s/messages" % conversation, cfg["staff"],
                                  {"clientMsgId": "big-%d" % sent, "kind": "text", "text": text}))
            sent += 1
        fresh()
    print("after %d pushes of 12 KB the gateway closed the stream that took none (4 MiB held at most, far short of 10,000 frames)" % sent)
    for i in range(20):
        must("message", *http("POST", "/v1/conversations/%s/messages" % conversation, cfg["staff"],
                              {"clientMsgId": "after-%d" % i, "kind": "text", "text": "still here"}))
    fresh()
    if counter("streams_closed_behind") != before + 1:
        fail("streams closed behind: %d more, not one" % (counter("streams_closed_behind") - before))
    if counter("streams_write_failed") != failed_before + 1:
        fail("writes failed: %d more, not one (the order the stream was waiting to send)" % (counter("streams_write_failed") - failed_before))
    deadline = time.time() + 30
    while not observer.heard("msg.new", lambda d: d.get("clientMsgId") == "after-19" or (d.get("message") or {}).get("clientMsgId") == "after-19"):
        if time.time() > deadline:
            fail("the same person's other stream stopped hearing: %r" % observer.frames[-3:])
        await asyncio.sleep(0.1)
    print("counted once, and the order it was waiting to send as one failed write; the same person's other stream heard every message after it")
    sock.close()
    await observer.close()


def flood(count):
    """`count` bare connections at once; returns them (the caller closes them)."""
    socks = []
    for _ in range(count):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", PORT))
        except BlockingIOError:
            pass
        socks.append(s)
    return socks


async def per_person():
    """One person holds at most 4 streams on this gateway; others are admitted meanwhile, and a place
    is theirs again once one of their streams ends."""
    before = counter("stream_refused_person")
    mine = []
    for i in range(4):
        s, refused = await open_stream(cfg["courier"])
        if refused:
            fail("the courier's stream %d of 4: %r" % (i + 1, refused))
        mine.append(s)
    _, refused = await open_stream(cfg["courier"])
    if not refused:
        fail("a fifth stream for one person was admitted")
    status, headers, body = refused
    if status != 429 or headers.get("Retry-After") != "5" or json.loads(body).get("code") != "rate_limited":
        fail("a person's fifth stream: %s %r %r" % (status, dict(headers), body))
    other, refused = await open_stream()
    if refused:
        fail("another person's stream while the courier holds four: %r" % (refused,))
    print("one person's fifth stream refused: %s, Retry-After %s, %r; another person's admitted"
          % (status, headers.get("Retry-After"), json.loads(body)["code"]))
    await mine.pop(0).close()
    deadline = time.time() + 10
    while True:  # the place comes back when the gateway has seen the stream end
        again, refused = await open_stream(cfg["courier"])
        if again:
            break
        if time.time() > deadline:
            fail("one of the courier's four closed, and a new one is still refused: %r" % (refused,))
        await asyncio.sleep(0.2)
    mine.append(again)
    fresh()
    until("the refusal counted", lambda: counter("stream_refused_person") > before)
    for s in mine + [other]:
        await s.close()
    fresh()
    until("the streams counted closed", lambda: gauges("streams_open").get("gateway") == 0)
    print("one of the four closed: the courier's next stream admitted")


async def full():
    await per_person()
    limit = until("the gateway's stream limit", lambda: gauges("streams_limit").get("gateway"))
    print("the gateway holds at most %d streams (its open-file limit less its reserve)" % limit)
    streams = []
    refusal = None
    while refusal is None and len(streams) <= limit + 5:
        s, refusal = await open_stream()
        if s:
            streams.append(s)
    if refusal is None:
        fail("%d streams admitted, over the limit of %d" % (len(streams), limit))
    status, headers, body = refusal
    if len(streams) != limit:
        fail("refused after %d streams, the limit is %d" % (len(streams), limit))
    if status != 503 or headers.get("Retry-After") != "5" or json.loads(body).get("code") != "unavailable":
        fail("the refusal: %s %r %r" % (status, dict(headers), body))
    print("stream %d refused: %s, Retry-After %s, %r" % (limit + 1, status, headers.get("Retry-After"), json.loads(body)["code"]))
    # Full of streams, the gateway still answers requests and pushes.
    must("healthz while full", *http("GET", "/healthz"))
    must("orders while full", *http("GET", "/v1/orders?shopId=s1", cfg["staff"]))
    await heard_everywhere(streams, "full")
    # Ten closed: their places are free again.
    for s in streams[:10]:
        await s.close()
    streams = streams[10:]
    fresh()
    until("the ten closed streams counted", lambda: gauges("streams_open").get("gateway") == limit - 10)
    # Twenty ask at once for the ten places: the check and the count are one step, so exactly ten
    # get in, however their upgrades interleave.
    results = await asyncio.gather(*(open_stream() for _ in range(20)))
    admitted = [s for s, _ in results if s]
    refusals = [r for _, r in results if r]
    streams += admitted
    if len(admitted) != 10 or any(r[0] != 503 for r in refusals):
        fail("twenty at once for ten places: %d admitted, refusals %r" % (len(admitted), [r[0] for r in refusals]))
    fresh()
    until("the streams counted", lambda: gauges("streams_open").get("gateway") == limit)
    _, refused = await open_stream()
    if not refused or refused[0] != 503:
        fail("one more after the twenty: %r" % (refused,))
    print("ten closed; twenty asked at once, ten admitted and ten refused; one more refused")
    until("every refusal counted", lambda: counter("stream_refused_capacity") >= 12)  # /metrics is cached a moment
    for s in streams:
        await s.close()
    fresh()
    until("the streams counted closed", lambda: gauges("streams_open").get("gateway") == 0)

    # A flood of bare connections beyond what the gateway accepts at once: they wait in the backlog
    # (none is refused for want of a descriptor, nothing crashes) and the gateway keeps its word.
    connections = until("the gateway's connection limit", lambda: gauges("connections_limit").get("gateway"))
    socks = flood(connections + 100)
    time.sleep(3)
    for s in socks:
        s.close()
    start = time.time()
    status, _ = http("GET", "/healthz")
    if status != 200:
        fail("healthz after the flood: %s" % status)
    s, refused = await open_stream()
    if refused:
        fail("a stream after the flood: %r" % (refused,))
    await s.close()
    until("the gateway to have stopped accepting for a while", lambda: counter("accept_paused") > 0)
    print("a flood of %d bare connections (the gateway takes %d at once) waited its turn; then healthz answered in %.1f s and a stream opened"
          % (connections + 100, connections, time.time() - start))
    await behind()


async def shared():
    limits = until("every gateway's stream limit", lambda: len(gauges("streams_limit")) >= 2 and gauges("streams_limit"))
    want = cfg["streams"]
    if want <= max(limits.values()):
        fail("%d streams would fit one gateway (%r)" % (want, limits))
    streams = []
    for i in range(want):
        s, refused = await open_stream()
        if refused:
            fail("stream %d of %d refused: %r (limits %r)" % (i + 1, want, refused, limits))
        streams.append(s)
    spread = until("the streams counted", lambda: (lambda g: sum(g.values()) == want and g)(gauges("streams_open")))
    if len([n for n in spread.values() if n > 0]) < 2:
        fail("the streams all went to one gateway: %r" % spread)
    print("%d streams, more than one gateway holds (%r), spread over the gateways: %r" % (want, limits, spread))
    # Each request a new connection, so both gateways answer some: all of them work for a person.
    for i in range(40):
        must("request %d" % i, *http("GET", "/v1/orders?shopId=s1", cfg["staff"]))
    print("40 requests on new connections, spread over the gateways, all answered")
    await heard_everywhere(streams, "shared")
    for s in streams:
        await s.close()
    await one_gateway_hears_its_own(list(limits))


async def one_gateway_hears_its_own(gateways):
    """Subscribed to its own streams' push topics only: no streams, no topics; one stream, its gateway's
    topics alone; a position pushed to it reaches no other gateway."""
    fresh()
    until("every gateway to cancel its push topics", lambda: (lambda g: len(g) == len(gateways) and not any(g.values()) and g)(gauges("push_topics")))
    print("no streams open: no gateway holds a push topic")
    before = counters_by_instance("pushes_for_others")
    stream, refused = await open_stream()
    if refused:
        fail("one stream: %r" % (refused,))
    fresh()
    spread = until("the one stream counted", lambda: (lambda g: sum(g.values()) == 1 and g)(gauges("streams_open")))
    holder = next(k for k, v in spread.items() if v == 1)
    topics = until("the stream's topics counted", lambda: (lambda g: g.get(holder) and g)(gauges("push_topics")))
    if topics[holder] != 2 or any(n for k, n in topics.items() if k != holder):
        fail("one staff stream on %s (its user's topic and its shop's), push topics: %r" % (holder, topics))
    print("one stream on %s: it alone holds push topics %r" % (holder, topics))
    deadline = time.time() + 30
    lat = 52.52 + len("shared") / 10000.0  # where heard_everywhere left the courier; 22 m a second on
    while not stream.heard("courier.position", lambda d: abs(d.get("lat", 0) - lat) < 1e-9):
        if time.time() > deadline:
            fail("the position never reached the one stream (last sent %.3f): it heard %r" % (lat, stream.frames[-5:]))
        lat += 0.0002
        at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        must("position", *http("POST", "/v1/locations", cfg["courier"], {"positions": [{"lat": lat, "lon": 13.41, "accuracy": 5, "at": at}]}))
        await asyncio.sleep(1.0)
    time.sleep(1.5)  # /metrics is cached a second
    after = counters_by_instance("pushes_for_others")
    others = {k: after.get(k, 0) - before.get(k, 0) for k in gateways if k != holder}
    if any(others.values()):
        fail("pushes for %s's stream reached other gateways: %r" % (holder, others))
    print("the courier's position reached the stream on %s and no other gateway (pushes for others: %r)" % (holder, others))
    await stream.close()


must("shop", *http("POST", "/v1/shops", cfg["admin"], {"id": "s1", "name": "Lily's", "address": "Alexanderplatz",
                                                      "lat": 52.5219, "lon": 13.4132, "timeZone": "Europe/Berlin"}))
must("courier", *http("POST", "/v1/shops/s1/couriers", cfg["admin"],
                      {"id": "k1", "name": "Jonas", "phone": "+49 1", "vehicle": "bike", "onDuty": True}))
asyncio.run(full() if cfg["mode"] == "full" else shared())
print("OK")

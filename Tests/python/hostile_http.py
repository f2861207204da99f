#!/usr/bin/env python3
"""Hostile HTTP and WebSocket clients against a running gateway, from docs/protocol.md alone.

usage: hostile_http.py PORT TOKEN RATE_TOKEN

Every malformed request head gets a status and a closed connection; slow heads are timed out;
WebSocket frames up to 64 KiB are read and a larger one closes with 1009, invalid UTF-8 with 1007, an unmasked one with 1002;
fragments are read whole and pings answered;
an upgrade over its token's rate is 429 `rate_limited` with Retry-After (RATE_TOKEN has a low rate).
Exit status 0 when every check held; failures are printed.
"""
import asyncio, json, socket, sys, time

import websockets

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def exchange(port, data, wait=5.0, head=None):
    """Sends `data`; returns (status, seconds until the server closed, or None if it did not).
    `head`, a list, gets the answer's head lines."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(wait)
    start = time.time()
    try:
        s.sendall(data)
    except OSError:
        pass
    out = b""
    closed_after = None
    try:
        while True:
            d = s.recv(65536)
            if not d:
                closed_after = time.time() - start
                break
            out += d
    except socket.timeout:
        pass
    except OSError:
        closed_after = time.time() - start
    s.close()
    status = int(out.split(b" ")[1]) if out.startswith(b"HTTP/1.1 ") else None
    if head is not None:
        head.extend(out.split(b"\r\n\r\n")[0].decode(errors="replace").lower().split("\r\n"))
    return status, closed_after


def heads(port):
    cases = [
        ("huge header", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n", 431),
        ("1 MB URL", b"GET /" + b"a" * 1_000_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        ("HTTP/0.9", b"GET /healthz\r\n", 400),
        ("Content-Length and Transfer-Encoding", b"POST /v1/shops HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("two Content-Lengths", b"POST /v1/shops HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", 400),
        ("TLS on the HTTP port", bytes.fromhex("16030100a5010000a10303") + b"\x00" * 100, 400),
        ("binary garbage", b"\x00\x01\x02hello\r\n\r\n", 400),
        ("upgrade without a key", b"GET /v1/stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", 400),
    ]
    for name, data, expected in cases:
        head = []
        status, closed = exchange(port, data, head=head)
        check(status == expected, f"{name}: status {status}, expected {expected}")
        check(closed is not None, f"{name}: connection left open")
        check("x-content-type-options: nosniff" in head, f"{name}: no nosniff in {head}")
    # The server still answers well-formed requests on a kept-alive connection; every answer says nosniff.
    for path in (b"/healthz", b"/v1/orders", b"/nothing-here", b"/console/", b"/openapi.yaml"):
        head = []
        status, _ = exchange(port, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", head=head)
        check(status in (200, 503) if path == b"/healthz" else status is not None, f"GET {path}: {status}")
        check("x-content-type-options: nosniff" in head, f"GET {path} ({status}): no nosniff in {head}")


def slowloris(port, count=300):
    """`count` connections that send half a head and stop: all are answered 408 and closed."""
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        s.settimeout(30)
        socks.append(s)
    start = time.time()
    statuses = {}
    for s in socks:
        out = b""
        try:
            while True:
                d = s.recv(4096)
                if not d:
                    break
                out += d
        except OSError:
            pass
        code = out.split(b" ")[1].decode() if out.startswith(b"HTTP/1.1 ") else "none"
        statuses[code] = statuses.get(code, 0) + 1
        s.close()
    took = time.time() - start
    check(statuses == {"408": count}, f"slow heads: {statuses}")
    check(took < 25, f"slow heads were held {took:.0f} s")
    return took


def raw_frame_close_code(port, token, frame):
    """Upgrades a raw socket, writes one frame and returns the close code the server answers with."""
    time.sleep(1.5)  # the suite's rate limit is 2 upgrades a second (burst 3)
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(10)
    s.sendall((f"GET /v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(4096)
    check(head.startswith(b"HTTP/1.1 101"), f"raw upgrade: {head[:40]}")
    check(b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in head, f"the key's answer (RFC 6455 §1.3): {head}")
    s.sendall(frame)
    data = head.split(b"\r\n\r\n", 1)[1]
    deadline = time.time() + 10
    code = None
    while time.time() < deadline and code is None:
        i = 0
        while i + 2 <= len(data):
            opcode, length = data[i] & 0x0F, data[i + 1] & 0x7F
            off = i + 2 + (2 if length == 126 else 8 if length == 127 else 0)
            if length >= 126:
                length = int.from_bytes(data[i + 2:off], "big")
            if off + length > len(data):
                break
            if opcode == 0x8:
                code = int.from_bytes(data[off:off + 2], "big")
            i = off + length
        if code is None:
            more = s.recv(65536)
            if not more:
                break
            data += more
    s.close()
    return code


async def frames(port, token, rate_token):
    url = f"ws://127.0.0.1:{port}/v1/stream"
    async with websockets.connect(url, max_size=1 << 20, additional_headers={"Authorization": "Bearer " + token}) as ws:
        json.loads(await ws.recv())  # stream.open
        await ws.send(json.dumps({"type": "ping", "ref": "big", "pad": "a" * 60_000}))
        reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
        check(reply.get("ref") == "big" and reply.get("ok") is True, f"a 60 KB frame: {reply}")
        # A message in fragments is read whole; a ping is answered.
        await ws.send(iter(['{"type": "ping", ', '"ref": "in-parts"', "}"]))
        reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
        check(reply.get("ref") == "in-parts" and reply.get("ok") is True, f"a fragmented frame: {reply}")
        await asyncio.wait_for(await ws.ping(b"are you there"), 10)
        await ws.send(json.dumps({"type": "ping", "ref": "too-big", "pad": "a" * 70_000}))
        try:
            await asyncio.wait_for(ws.recv(), 10)
            check(False, "a 70 KB frame did not close the connection")
        except websockets.ConnectionClosed as e:
            check(e.rcvd is not None and e.rcvd.code == 1009, f"a 70 KB frame closed with {e.rcvd}")
    # Invalid UTF-8 in a text frame: websockets refuses to send it, so a raw frame is written.
    payload = b"\xc3\x28 bad utf-8"
    mask = b"\x01\x02\x03\x04"
    code = raw_frame_close_code(port, token, bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
    check(code == 1007, f"invalid UTF-8 closed with {code}")
    # A client's frame must be masked (RFC 6455 §5.1).
    code = raw_frame_close_code(port, token, bytes([0x81, 4]) + b"ping")
    check(code == 1002, f"an unmasked frame closed with {code}")
    # Over the token's rate: the upgrade is refused with the documented JSON error.
    results = []
    for _ in range(8):
        status, body, retry = upgrade(port, rate_token)
        results.append(status)
        if status == 429:
            check(json.loads(body).get("code") == "rate_limited" and retry is not None and int(retry) >= 1,
                  f"429 without code or Retry-After: {body} {retry}")
    check(429 in results, f"upgrades over the rate: {results}")
    status, body, _ = upgrade(port, "not-a-token")
    check(status == 401 and json.loads(body).get("code") == "unauthorized", f"a bad token's upgrade: {status} {body}")
    # A signed-in person's token in a URL ends up in logs: only a tracking link's may come that way.
    status, body, _ = upgrade(port, token, in_query=True)
    check(status == 401 and "tracking link" in json.loads(body).get("message", ""), f"a customer's own token in the query: {status} {body}")


def upgrade(port, token, in_query=False):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(10)
    where = f"/v1/stream?access_token={token} HTTP/1.1\r\nHost: x" if in_query else f"/v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}"
    s.sendall((f"GET {where}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    out = b""
    try:
        while b"\r\n\r\n" not in out:
            d = s.recv(4096)
            if not d:
                break
            out += d
        if not out.startswith(b"HTTP/1.1 101"):
            while True:
                d = s.recv(4096)
                if not d:
                    break
                out += d
    except OSError:
        pass
    s.close()
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    status = int(lines[0].split(" ")[1]) if lines and lines[0].startswith("HTTP/1.1 ") else None
    retry = next((l.split(":", 1)[1].strip() for l in lines[1:] if l.lower().startswith("retry-after:")), None)
    return status, body.decode(errors="replace"), retry


def main():
    port, token, rate_token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    heads(port)
    took = slowloris(port)
    asyncio.run(frames(port, token, rate_token))
    print(f"hostile clients: slow heads closed after {took:.1f} s; {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

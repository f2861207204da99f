#!/usr/bin/env python3
"""One client address holds at most its share of a gateway's connections (docs/architecture.md,
"Connections"): with a cap of CAP, CAP idle connections are held, the next is answered 429 and
closed at once, the held ones still answer, and once one closes a new one is served.

Usage: connection_cap.py PORT CAP
"""
import socket
import sys
import time

port, cap = int(sys.argv[1]), int(sys.argv[2])


def connect():
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.settimeout(5)
    return s


def read_all(s):
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def get(s, path="/healthz"):
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def answered(s, wait=0.3):
    """What the gateway wrote on a connection we have sent nothing on, within `wait` s (b"" if nothing)."""
    import select
    readable, _, _ = select.select([s], [], [], wait)
    return read_all(s) if readable else b""


# Open connections until one is refused. The test's own HTTP client may hold a kept-alive
# connection or two from loopback as well: they count, so a little fewer than CAP may be ours.
held = []
while True:
    s = connect()
    answer = answered(s)
    if answer:
        s.close()
        break
    held.append(s)
    assert len(held) <= cap, f"{len(held)} connections held, the cap is {cap}"
assert len(held) >= cap - 2, f"refused after {len(held)} of {cap}: {answer[:200]!r}"
assert answer.startswith(b"HTTP/1.1 429 "), answer[:200]
assert b"Retry-After: " in answer and b"rate_limited" in answer, answer
print("over the cap: 429 and closed")

# A refused connection is not counted: the next one is refused too, the held ones still answer.
again = connect()
assert read_all(again).startswith(b"HTTP/1.1 429 ")
again.close()
reply = get(held[0])
assert reply.startswith(b"HTTP/1.1 200 "), reply[:200]
print("held connections still served")

# One closes: its place is free again.
held.pop().close()
deadline = time.time() + 5
while True:
    fresh = connect()
    reply = get(fresh)
    if reply.startswith(b"HTTP/1.1 200 "):
        break
    fresh.close()
    assert time.time() < deadline, f"no place freed: {reply[:200]!r}"
    time.sleep(0.1)
print("a closed connection frees its place")
for s in held + [fresh]:
    s.close()
print("OK")

"""Streams a chunked upload far over the limit and reports when the gateway answered.

Usage: upload_over_limit.py <port> <path+query> <token> <content-type> <total-bytes>
Prints JSON: {"status": <int or 0>, "sent": <bytes sent before the answer>, "body": "..."}.
The answer must come while the client is still sending (sent < total): the gateway refuses as soon
as the limit is crossed instead of reading the whole body.
"""
import json
import os
import select
import socket
import sys

port, path, token, ctype, total = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
s = socket.create_connection(("127.0.0.1", port))
s.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
           f"Content-Type: {ctype}\r\nTransfer-Encoding: chunked\r\n\r\n").encode())
chunk = os.urandom(64 << 10)
first = b"\xff\xd8\xff\xe0" + chunk[4:]  # a JPEG's magic, so only the size is wrong
sent = 0
answer = b""


def readable():
    r, _, _ = select.select([s], [], [], 0)
    return bool(r)


try:
    while sent < total:
        data = first if sent == 0 else chunk
        s.sendall(b"%x\r\n" % len(data) + data + b"\r\n")
        sent += len(data)
        if readable():
            break
except (BrokenPipeError, ConnectionResetError):
    pass
s.settimeout(5)
try:
    while b"\r\n\r\n" not in answer or len(answer) < 200:
        part = s.recv(65536)
        if not part:
            break
        answer += part
except (socket.timeout, ConnectionResetError):
    pass
head = answer.split(b"\r\n", 1)[0].decode(errors="replace")
status = int(head.split(" ")[1]) if head.startswith("HTTP/1.1 ") else 0
body = answer.split(b"\r\n\r\n", 1)[1].decode(errors="replace") if b"\r\n\r\n" in answer else ""
print(json.dumps({"status": status, "sent": sent, "body": body}))

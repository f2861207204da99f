"""Local sinks for posy-notify's integration tests, standard library only.

usage: notify_sinks.py HTTP_PORT SMTP_PORT

HTTP on 127.0.0.1:HTTP_PORT
  POST /config {"name": ..., "secret": ..., "fail": N, "redirect": [CODE, URL]}  a webhook receiver:
       verifies every Posy-Signature with hmac + hashlib, answers 500 to the first N calls (N = -1:
       always 503); with "redirect", answers CODE with Location: URL instead
  *    /followed      records that a redirect was followed (it must never be)
  POST /hook/<name>   the webhook receiver
  POST /sms           an SMS provider: records the JSON body
  POST /push/<device> a Web Push service that records and takes every message (201)
  POST /masked        a masked-number provider: records the binding asked for, answers {id, number}
  PATCH /masked/<id>  records the binding's new expiry
  GET  /log           everything received, as JSON
SMTP on 127.0.0.1:SMTP_PORT: a relay that accepts every message and records it.
"""
import base64
import email
import email.header
import hashlib
import hmac
import json
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
hooks = {}      # name -> {"secret", "fail", "calls"}
received = []   # records


def verify(header, body, secret, tolerance=300):
    """Posy-Signature: t=<unix>,v1=<hex hmac_sha256(secret, "<t>.<body>")>, t within 5 minutes of now."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    t = parts.get("t", "")
    if not t.isdigit() or abs(time.time() - int(t)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


class HTTP(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, obj=None):
        data = json.dumps(obj if obj is not None else {}).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def followed(self):
        with lock:
            received.append({"kind": "followed", "method": self.command, "path": self.path})
        self.reply(200)

    def do_GET(self):
        if self.path.startswith("/followed"):
            return self.followed()
        if self.path == "/log":
            with lock:
                return self.reply(200, received)
        self.reply(404)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path.startswith("/followed"):
            return self.followed()
        if self.path == "/config":
            c = json.loads(body)
            with lock:
                hooks[c["name"]] = {"secret": c["secret"], "fail": c.get("fail", 0), "calls": 0, "redirect": c.get("redirect")}
            return self.reply(200)
        if self.path == "/sms":
            with lock:
                received.append({"kind": "sms", "delivery": self.headers.get("Posy-Delivery"), "body": json.loads(body)})
            return self.reply(200)
        if self.path == "/masked":
            request = json.loads(body)
            with lock:
                n = sum(1 for r in received if r["kind"] == "masked") + 1
                received.append({"kind": "masked", "body": request})
            return self.reply(201, {"id": "bind-%d" % n, "number": "+86 170 0000 %04d" % n, "expiresAt": request.get("expiresAt")})
        if self.path.startswith("/push/"):
            # A push service that takes every message (what one checks is in push_service.py):
            # a device subscribed here stays subscribed.
            with lock:
                received.append({"kind": "push", "path": self.path, "topic": self.headers.get("Topic"),
                                 "encoding": self.headers.get("Content-Encoding"), "size": len(body)})
            return self.reply(201)
        if self.path.startswith("/hook/"):
            name = self.path[len("/hook/"):]
            with lock:
                hook = hooks.get(name)
                if hook is None:
                    return self.reply(404)
                hook["calls"] += 1
                calls = hook["calls"]
                valid = verify(self.headers.get("Posy-Signature", ""), body, hook["secret"])
                ok = hook["fail"] >= 0 and calls > hook["fail"]
                event = json.loads(body)
                received.append({"kind": "hook", "name": name, "call": calls, "valid": valid, "ok": ok,
                                 "delivery": self.headers.get("Posy-Delivery"), "eventHeader": self.headers.get("Posy-Event"),
                                 "id": event.get("id"), "type": event.get("type"), "at": time.time()})
            if not valid:
                return self.reply(400, {"error": "bad signature"})
            if hook.get("redirect"):
                code, location = hook["redirect"]
                self.send_response(code)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            return self.reply(200 if ok else (503 if hook["fail"] < 0 else 500))
        self.reply(404)


    def do_PATCH(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path.startswith("/masked/"):
            with lock:
                received.append({"kind": "masked-close", "id": self.path[len("/masked/"):], "body": json.loads(body)})
            return self.reply(200)
        self.reply(404)


class SMTP(socketserver.StreamRequestHandler):
    def send(self, line):
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self.send("220 sink ESMTP")
        sender, to = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode().strip()
            upper = cmd.upper()
            if upper.startswith("EHLO") or upper.startswith("HELO"):
                self.send("250-sink")
                self.send("250 8BITMIME")
            elif upper.startswith("MAIL FROM:"):
                sender = cmd[10:].strip("<> ")
                self.send("250 ok")
            elif upper.startswith("RCPT TO:"):
                to.append(cmd[8:].strip("<> "))
                self.send("250 ok")
            elif upper == "DATA":
                self.send("354 go ahead")
                data = b""
                while True:
                    l = self.rfile.readline()
                    if l in (b".\r\n", b".\n", b""):
                        break
                    data += l
                msg = email.message_from_bytes(data)
                subject = str(email.header.make_header(email.header.decode_header(msg["Subject"])))
                text = msg.get_payload(decode=True).decode()
                with lock:
                    received.append({"kind": "email", "from": sender, "to": to, "subject": subject, "body": text,
                                     "messageId": msg["Message-ID"]})
                self.send("250 queued")
                sender, to = None, []
            elif upper == "QUIT":
                self.send("221 bye")
                return
            else:
                self.send("250 ok")


class ThreadingTCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128  # posy-notify opens up to 16 connections at once


class HTTPServer(ThreadingHTTPServer):
    request_queue_size = 128


if __name__ == "__main__":
    http_port, smtp_port = int(sys.argv[1]), int(sys.argv[2])
    smtp = ThreadingTCP(("127.0.0.1", smtp_port), SMTP)
    threading.Thread(target=smtp.serve_forever, daemon=True).start()
    HTTPServer(("127.0.0.1", http_port), HTTP).serve_forever()

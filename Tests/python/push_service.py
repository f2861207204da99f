#!/usr/bin/env python3
"""A local Web Push service for the tests: what a real one checks, then the message decrypted.

    push_service.py <port> <subscriber private key, base64url> <auth secret, base64url>

POST /push/<device>  a push message: Content-Encoding aes128gcm, TTL, Urgency, Topic and a VAPID
                     Authorization (RFC 8292: ES256 JWT for this origin, exp within 24 h, a sub;
                     verified with the k= key) are checked, the body is decrypted with http_ece
                     (RFC 8291) using the subscriber's private key; answered with the status set by
                     POST /answer/<status> (201 until then).
GET  /log            every message as JSON: headers, claims, the decrypted payload, problems found.
"""
import base64
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


PORT = int(sys.argv[1])
PRIVATE = ec.derive_private_key(int.from_bytes(b64(sys.argv[2]), "big"), ec.SECP256R1())
AUTH = b64(sys.argv[3])
ORIGIN = "http://127.0.0.1:%d" % PORT
lock = threading.Lock()
log = []
answer = [201]


def check_vapid(header):
    """The problems with an Authorization header, and the token's claims."""
    problems = []
    if not header.startswith("vapid "):
        return ["not vapid"], {}
    parts = dict(p.strip().split("=", 1) for p in header[len("vapid "):].split(","))
    token, key = parts.get("t", ""), parts.get("k", "")
    head64, claims64, sig64 = (token.split(".") + ["", "", ""])[:3]
    head = json.loads(b64(head64))
    claims = json.loads(b64(claims64))
    if head.get("alg") != "ES256":
        problems.append("alg %s" % head.get("alg"))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64(key))
    raw = b64(sig64)
    signature = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        public.verify(signature, (head64 + "." + claims64).encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        problems.append("bad signature")
    if claims.get("aud") != ORIGIN:
        problems.append("aud %s" % claims.get("aud"))
    exp = claims.get("exp", 0)
    if not (time.time() < exp <= time.time() + 24 * 3600 + 60):
        problems.append("exp %s" % exp)
    if not str(claims.get("sub", "")).startswith(("mailto:", "https://")):
        problems.append("sub %s" % claims.get("sub"))
    return problems, claims


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != "/log":
            return self.reply(404)
        with lock:
            body = json.dumps(log).encode()
        self.reply(200, body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path.startswith("/answer/"):
            answer[0] = int(self.path.rsplit("/", 1)[1])
            return self.reply(200)
        if not self.path.startswith("/push/"):
            return self.reply(404)
        problems, claims = check_vapid(self.headers.get("Authorization", ""))
        if self.headers.get("Content-Encoding") != "aes128gcm":
            problems.append("encoding %s" % self.headers.get("Content-Encoding"))
        topic = self.headers.get("Topic", "")
        if len(topic) > 32 or any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in topic):
            problems.append("topic %r" % topic)
        payload = None
        try:
            payload = json.loads(http_ece.decrypt(body, private_key=PRIVATE, auth_secret=AUTH, version="aes128gcm"))
        except Exception as e:  # noqa: BLE001 — any failure to decrypt is the finding
            problems.append("decrypt: %s" % e)
        title = ((payload or {}).get("notification") or {}).get("title", "")
        with lock:
            log.append({
                "device": self.path[len("/push/"):], "ttl": self.headers.get("TTL"), "urgency": self.headers.get("Urgency"),
                "topic": topic, "claims": claims, "payload": payload, "problems": problems,
                "plaintextInBody": bool(title) and title.encode() in body, "answered": answer[0],
            })
        self.reply(answer[0], b"{}")


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()

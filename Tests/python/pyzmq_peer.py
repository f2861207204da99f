#!/usr/bin/env python3
"""A non-Swift Posy peer written only from docs/protocol.md, run by `make test` against a live suite.

It proves itself with a CURVE key issued by `posy keys` (the `cli` identity in --keys-dir) and
checks each server's key against the suite's public keys. It discovers services from heartbeats, calls health/stats/events.replay over DEALER, checks the
envelopes it reads, and publishes a durable sys.probe as its own source (resending it several
times, as a publisher might) and expects every service to acknowledge it exactly once.
Exit status 0 means every check held; failures are printed.
"""
import argparse, json, os, re, sys, time, uuid

import zmq

RFC3339_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def check_envelope(env, durable=None):
    for key, kind in (("v", int), ("src", str), ("epoch", str), ("seq", int), ("type", str), ("at", str), ("trace", str)):
        check(isinstance(env.get(key), kind), f"envelope field {key} missing or not {kind.__name__}: {env}")
    check(env.get("v") == 1, "envelope version is not 1")
    check(RFC3339_MS.match(env.get("at", "")) is not None, f"'at' is not RFC 3339 ms: {env.get('at')}")
    check(isinstance(env.get("data"), dict), "data is not an object")
    if durable is True:
        check(env["seq"] > 0 and len(env["epoch"]) > 0, "durable event without seq/epoch")
    if durable is False:
        check(env["seq"] == 0, "ephemeral event with a seq")


KEYS = {}


def read_key(path):
    with open(path) as f:
        return f.read().strip().encode()


def secure(s, server):
    """Makes `s` a CURVE client of the socket bound by identity `server` (docs/protocol.md, "Security")."""
    s.curve_secretkey = KEYS["secret"]
    s.curve_publickey = KEYS["public"]
    s.curve_serverkey = KEYS["servers"][server]


def rpc(ctx, endpoint, method, body, timeout_ms=3000, server=None):
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    secure(s, server)
    s.connect(endpoint)
    rid = uuid.uuid4().hex.encode()
    s.send_multipart([rid, method.encode(), json.dumps(body).encode()])
    if not s.poll(timeout_ms):
        s.close()
        return None, None
    frames = s.recv_multipart()
    s.close()
    check(len(frames) == 3 and frames[0] == rid, f"{method} reply frames: {frames[:2]}")
    return frames[1].decode(), json.loads(frames[2])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bus-sub", required=True)
    ap.add_argument("--bus-pub", required=True)
    ap.add_argument("--expect", required=True, help="instances that must ack")
    ap.add_argument("--keys-dir", required=True, help="the suite's keys: cli.key and every *.pub")
    args = ap.parse_args()
    expected = set(args.expect.split(","))
    KEYS["secret"] = read_key(os.path.join(args.keys_dir, "cli.key"))
    KEYS["public"] = read_key(os.path.join(args.keys_dir, "cli.pub"))
    KEYS["servers"] = {n[:-4]: read_key(os.path.join(args.keys_dir, n)) for n in os.listdir(args.keys_dir) if n.endswith(".pub")}
    ctx = zmq.Context()

    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    secure(sub, "bus")
    sub.connect(args.bus_sub)
    sub.setsockopt(zmq.SUBSCRIBE, b"sys.heartbeat")
    sub.setsockopt(zmq.SUBSCRIBE, b"sys.probe.ack")
    peers = {}
    deadline = time.time() + 3
    while time.time() < deadline:
        if sub.poll(200):
            frames = sub.recv_multipart()
            check(len(frames) == 2, "bus message is not [topic][envelope]")
            env = json.loads(frames[1])
            if frames[0] == b"sys.heartbeat":
                check_envelope(env, durable=False)
                hb = env["data"]
                check(hb["instance"] == env["src"], "heartbeat instance differs from src")
                peers[hb["instance"]] = hb
    check(expected <= set(peers), f"heartbeats missing from {expected - set(peers)}")

    for name, hb in sorted(peers.items()):
        if not hb.get("rpc"):
            continue
        server = hb["service"]
        status, body = rpc(ctx, hb["rpc"], "health", {}, server=server)
        check(status == "ok" and body.get("status") == "ok", f"{name} health: {status} {body}")
        status, body = rpc(ctx, hb["rpc"], "stats", {}, server=server)
        check(status == "ok" and isinstance(body.get("counters"), dict), f"{name} stats: {status}")
        status, body = rpc(ctx, hb["rpc"], "no.such.method", {}, server=server)
        check(status == "error" and body.get("code") == "unknown_method", f"{name} unknown method: {body}")

    # Durable history over RPC: replay of sys.probe.ack from orders (posy ping has run before).
    orders = peers.get("orders")
    if orders:
        status, batch = rpc(ctx, orders["rpc"], "events.replay", {"v": 1, "topic": "sys.probe.ack", "epoch": "", "after": 0, "limit": 100},
                            server="orders")
        check(status == "ok", f"replay status {status} {batch}")
        if status == "ok":
            seqs = [e["seq"] for e in batch["events"]]
            check(seqs == list(range(1, len(seqs) + 1)), f"replayed seqs not contiguous: {seqs}")
            check(batch["head"] >= len(seqs) and batch["epoch"] == orders["epoch"], "replay head/epoch")
            for e in batch["events"]:
                check_envelope(e, durable=True)
        status, body = rpc(ctx, orders["rpc"], "events.replay", {"v": 1, "topic": "sys.probe.ack", "epoch": "not-this-one", "after": 0, "limit": 1},
                           server="orders")
        check(status == "error" and body.get("code") == "epoch_mismatch", f"epoch mismatch: {body}")

    # Be a durable source: our own epoch, seq 1, resent until acknowledged.
    pub = ctx.socket(zmq.PUB)
    pub.setsockopt(zmq.LINGER, 0)
    secure(pub, "bus")
    pub.connect(args.bus_pub)
    probe_id = str(uuid.uuid4())
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    envelope = {"v": 1, "src": "cli-py-" + uuid.uuid4().hex[:8], "epoch": uuid.uuid4().hex, "seq": 1, "type": "sys.probe",
                "at": now, "trace": "pyzmq", "data": {"v": 1, "id": probe_id, "sentAt": now}}
    frames = [b"sys.probe", json.dumps(envelope).encode()]
    acks = {}
    sends = 0
    deadline = time.time() + 20
    next_send = time.time()
    while time.time() < deadline and not expected <= set(acks):
        # Resent once a second until acknowledged (as a publisher that cannot know whether its PUB
        # socket has connected yet would): paced by time, not by the heartbeats that wake poll().
        if time.time() >= next_send:
            pub.send_multipart(frames)
            sends += 1
            next_send = time.time() + 1.0
        if sub.poll(200):
            topic, raw = sub.recv_multipart()
            if topic == b"sys.probe.ack":
                env = json.loads(raw)
                check_envelope(env, durable=True)
                ack = env["data"]
                if ack["probeId"] == probe_id:
                    acks.setdefault(ack["instance"], []).append(ack["appliedCount"])
    check(expected <= set(acks), f"no ack from {expected - set(acks)}")
    time.sleep(1.5)
    while sub.poll(100):
        topic, raw = sub.recv_multipart()
        if topic == b"sys.probe.ack":
            ack = json.loads(raw)["data"]
            if ack["probeId"] == probe_id:
                acks.setdefault(ack["instance"], []).append(ack["appliedCount"])
    for name, counts in acks.items():
        check(counts == [1], f"{name} applied our probe {counts} (sent {sends} times)")
    print(f"pyzmq peer: {len(peers)} peers, probe sent {sends}x, acks {sorted(acks)}; {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

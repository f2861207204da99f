#!/usr/bin/env python3
"""A peer standing in for the suite's next version during a rolling upgrade (docs/protocol.md,
"Versions and upgrades"): its heartbeats say protocol 2 and version 0.2.0-next, and it publishes a
durable sys.probe that needs protocol 2 (`req`), then one that does not, on the same stream. A
process of this version must apply neither (the stream waits for its upgrade), while a probe from a
source speaking protocol 1 is applied by all. Prints one JSON line: the acks each probe got."""
import argparse, json, os, time, uuid

import zmq


def read_key(path):
    with open(path) as f:
        return f.read().strip().encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bus-sub", required=True)
    ap.add_argument("--bus-pub", required=True)
    ap.add_argument("--keys-dir", required=True)
    ap.add_argument("--seconds", type=float, default=8)
    args = ap.parse_args()
    public = read_key(os.path.join(args.keys_dir, "cli.pub"))
    secret = read_key(os.path.join(args.keys_dir, "cli.key"))
    bus = read_key(os.path.join(args.keys_dir, "bus.pub"))
    ctx = zmq.Context()

    def secure(s):
        s.curve_secretkey, s.curve_publickey, s.curve_serverkey = secret, public, bus
        s.setsockopt(zmq.LINGER, 0)

    sub = ctx.socket(zmq.SUB)
    secure(sub)
    sub.connect(args.bus_sub)
    sub.setsockopt(zmq.SUBSCRIBE, b"sys.probe.ack")
    pub = ctx.socket(zmq.PUB)
    secure(pub)
    pub.connect(args.bus_pub)

    def now():
        return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())

    nxt, old = "cli-next-" + uuid.uuid4().hex[:6], "cli-old-" + uuid.uuid4().hex[:6]
    epochs = {nxt: uuid.uuid4().hex, old: uuid.uuid4().hex}
    probes = {"needsNext": str(uuid.uuid4()), "afterIt": str(uuid.uuid4()), "control": str(uuid.uuid4())}
    events = [
        (nxt, 1, probes["needsNext"], 2),
        (nxt, 2, probes["afterIt"], None),
        (old, 1, probes["control"], None),
    ]

    def heartbeat(src, version, protocol, head):
        hb = {"v": 1, "service": "cli", "instance": src, "version": version, "protocol": protocol, "rpc": "", "epoch": epochs[src],
              "pid": os.getpid(), "startedAt": now(), "heads": {"sys.probe": head}, "someFieldFromTheFuture": {"x": 1}}
        env = {"v": 1, "src": src, "epoch": "", "seq": 0, "type": "sys.heartbeat", "at": now(), "trace": "", "data": hb}
        pub.send_multipart([b"sys.heartbeat", json.dumps(env).encode()])

    acks = {name: [] for name in probes}
    deadline = time.time() + args.seconds
    next_send = 0
    while time.time() < deadline:
        if time.time() >= next_send:
            heartbeat(nxt, "0.2.0-next", 2, 2)
            heartbeat(old, "0.1.0", 1, 1)
            for src, seq, probe, req in events:
                env = {"v": 1, "src": src, "epoch": epochs[src], "seq": seq, "type": "sys.probe", "at": now(), "trace": "next",
                       "data": {"v": 1, "id": probe, "sentAt": now()}}
                if req is not None:
                    env["req"] = req
                pub.send_multipart([b"sys.probe", json.dumps(env).encode()])
            next_send = time.time() + 0.5
        if sub.poll(100):
            _, raw = sub.recv_multipart()
            ack = json.loads(raw)["data"]
            for name, probe in probes.items():
                if ack.get("probeId") == probe and ack["instance"] not in acks[name]:
                    acks[name].append(ack["instance"])
    print(json.dumps({"acks": acks, "next": nxt}))


if __name__ == "__main__":
    main()

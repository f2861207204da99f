#!/usr/bin/env python3
"""An intruder on the suite's network, with pyzmq and docs/protocol.md.

--key none:     no CURVE key at all.
--key stranger: a CURVE key of its own that the suite never issued.
--key issued:   the key the suite issued to another identity (--identity, read from --keys-dir):
                a stolen service key, or a service gone rogue.

It knows the public keys (they are public). It subscribes to the whole bus (pushes to people
included) and to probes, calls orders.list as a
self-declared admin and events.since on orders, publishes a forged durable sys.probe as posy-orders
(src "orders"), a forged proof.accepted as posy-receipts, a forged heartbeat announcing posy-orders
at an endpoint of its own, and — as a control — a probe under its own name. It prints one JSON line:
what it received and what it forged. Exit status 0 whatever it got: the test judges.
"""
import argparse, json, os, time, uuid

import zmq


def read_key(path):
    with open(path) as f:
        return f.read().strip().encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bus-sub", required=True)
    ap.add_argument("--bus-pub", required=True)
    ap.add_argument("--rpc", required=True, help="posy-orders' RPC endpoint")
    ap.add_argument("--public-keys", required=True, help="a directory of the suite's *.pub files (and, for --key issued, the identity's .key)")
    ap.add_argument("--key", choices=["none", "stranger", "issued"], required=True)
    ap.add_argument("--identity", default="location", help="whose issued key (--key issued)")
    args = ap.parse_args()
    ctx = zmq.Context()
    if args.key == "issued":
        public = read_key(os.path.join(args.public_keys, args.identity + ".pub"))
        secret = read_key(os.path.join(args.public_keys, args.identity + ".key"))
    else:
        public, secret = zmq.curve_keypair()

    def secure(s, server):
        if args.key != "none":
            s.curve_serverkey = read_key(os.path.join(args.public_keys, server + ".pub"))
            s.curve_publickey = public
            s.curve_secretkey = secret
        s.setsockopt(zmq.LINGER, 0)

    sub = ctx.socket(zmq.SUB)
    secure(sub, "bus")
    sub.connect(args.bus_sub)
    sub.setsockopt(zmq.SUBSCRIBE, b"")           # everything, pushes to people included
    sub.setsockopt(zmq.SUBSCRIBE, b"sys.probe")  # what any issued key may read

    replies = 0
    codes = {}
    admin = {"sub": "intruder", "role": "admin"}
    for method, body in (("orders.list", {"caller": admin}), ("events.since", {"v": 1, "topic": "order.", "after": 0}),
                         ("health", {})):
        dealer = ctx.socket(zmq.DEALER)
        secure(dealer, "orders")
        dealer.connect(args.rpc)
        try:
            dealer.send_multipart([uuid.uuid4().hex.encode(), method.encode(), json.dumps(body).encode()], flags=zmq.NOBLOCK)
        except zmq.Again:
            pass
        if dealer.poll(1500):
            _, status, reply = dealer.recv_multipart()
            replies += 1
            codes[method] = "ok" if status == b"ok" else json.loads(reply).get("code")
        dealer.close()

    # Somewhere for traffic to go if a forged heartbeat took over posy-orders' endpoint.
    trap = ctx.socket(zmq.ROUTER)
    trap.setsockopt(zmq.LINGER, 0)
    if args.key != "none":
        trap.curve_server = True
        trap.curve_secretkey = secret
        trap.curve_publickey = public
    trap_port = trap.bind_to_random_port("tcp://127.0.0.1")

    pub = ctx.socket(zmq.PUB)
    secure(pub, "bus")
    pub.connect(args.bus_pub)
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    forged_probe, own_probe = str(uuid.uuid4()), str(uuid.uuid4())
    epoch = uuid.uuid4().hex

    def envelope(src, type_, seq, data):
        return json.dumps({"v": 1, "src": src, "epoch": epoch if seq else "", "seq": seq, "type": type_, "at": now,
                           "trace": "intruder", "data": data}).encode()

    forged = [
        [b"sys.probe", envelope("orders", "sys.probe", 1, {"v": 1, "id": forged_probe, "sentAt": now})],
        [b"proof.accepted", envelope("receipts", "proof.accepted", 1, {"v": 1, "orderId": "o-forged"})],
        [b"sys.heartbeat", envelope("orders", "sys.heartbeat", 0, {
            "v": 1, "service": "orders", "instance": "orders", "version": "0", "rpc": f"tcp://127.0.0.1:{trap_port}",
            "epoch": epoch, "pid": 1, "startedAt": now, "heads": {}})],
    ]
    # A chat message to the customer "from the shop", sent with whatever key it holds.
    forged.append([b"to.c1.", envelope(args.identity + "-intruder", "msg.new", 0, {"bodyLength": 2, "body": {}})])
    own = [b"sys.probe", envelope(args.identity + "-intruder", "sys.probe", 1, {"v": 1, "id": own_probe, "sentAt": now})]
    received = 0
    forged_seen = 0
    own_seen = 0
    pushes_seen = 0
    deadline = time.time() + 4
    while time.time() < deadline:
        for frames in forged + [own]:
            pub.send_multipart(frames)
        if sub.poll(250):
            frames = sub.recv_multipart()
            received += 1
            if frames[0].startswith(b"to.") or frames[0].startswith(b"shop."):
                pushes_seen += 1
            raw = frames[-1]
            if forged_probe.encode() in raw or b"o-forged" in raw or str(trap_port).encode() in raw:
                forged_seen += 1
            if own_probe.encode() in raw:
                own_seen += 1
    trap_hits = 0
    while trap.poll(100):
        trap.recv_multipart()
        trap_hits += 1
    print(json.dumps({"key": args.key, "busMessages": received, "rpcReplies": replies, "rpcCodes": codes, "probe": forged_probe,
                      "forgedSeen": forged_seen, "ownSeen": own_seen, "pushesSeen": pushes_seen,
                      "trapHits": trap_hits}))


if __name__ == "__main__":
    main()

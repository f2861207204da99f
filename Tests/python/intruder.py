#!/usr/bin/env python3
"""An intruder on the suite's network, with pyzmq and docs/protocol.md: no CURVE key at all
(--key none) or a CURVE key of its own that the suite never issued (--key stranger). It knows the
public keys (they are public), subscribes to the bus, calls orders.list as a self-declared admin and
events.since on orders, and publishes a forged durable sys.probe. It prints one JSON line: what it
received, and the id of the probe it forged. Exit status 0 whatever it got: the test judges.
"""
import argparse, json, os, time, uuid

import zmq


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bus-sub", required=True)
    ap.add_argument("--bus-pub", required=True)
    ap.add_argument("--rpc", required=True, help="posy-orders' RPC endpoint")
    ap.add_argument("--public-keys", required=True, help="a directory of the suite's *.pub files")
    ap.add_argument("--key", choices=["none", "stranger"], required=True)
    args = ap.parse_args()
    ctx = zmq.Context()
    public, secret = zmq.curve_keypair()

    def secure(s, server):
        if args.key == "stranger":
            with open(os.path.join(args.public_keys, server + ".pub")) as f:
                s.curve_serverkey = f.read().strip().encode()
            s.curve_publickey = public
            s.curve_secretkey = secret
        s.setsockopt(zmq.LINGER, 0)

    sub = ctx.socket(zmq.SUB)
    secure(sub, "bus")
    sub.connect(args.bus_sub)
    sub.setsockopt(zmq.SUBSCRIBE, b"")

    replies = 0
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
            dealer.recv_multipart()
            replies += 1
        dealer.close()

    pub = ctx.socket(zmq.PUB)
    secure(pub, "bus")
    pub.connect(args.bus_pub)
    probe = str(uuid.uuid4())
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    envelope = {"v": 1, "src": "intruder-" + uuid.uuid4().hex[:6], "epoch": uuid.uuid4().hex, "seq": 1, "type": "sys.probe",
                "at": now, "trace": "intruder", "data": {"v": 1, "id": probe, "sentAt": now}}
    received = 0
    deadline = time.time() + 3
    while time.time() < deadline:
        pub.send_multipart([b"sys.probe", json.dumps(envelope).encode()])
        if sub.poll(250):
            sub.recv_multipart()
            received += 1
    print(json.dumps({"key": args.key, "busMessages": received, "rpcReplies": replies, "probe": probe}))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""An insider: a process holding a key the suite issued (a monitor the operator made with
`posy keys create monitor --read sys.`, or a service's own key), with pyzmq and docs/protocol.md.

It tries to read what its identity was not granted, and to disturb what others read:
- subscribes to "" (everything, pushes to people included), "order." (card messages, addresses),
  "to." and "sys.heartbeat", listens for --listen seconds and counts the topics it got;
- subscribes twice and cancels twice, on a second socket, then leaves every socket;
- asks posy-orders for events.since (everything from the start) and events.replay of
  order.placed and sys.probe.ack.
It prints one JSON line: the topic prefixes it heard, the topics events.since gave it and each
replay's answer. Exit status 0 whatever it got: the test judges.
"""
import argparse, json, os, time, uuid

import zmq


def read_key(path):
    with open(path) as f:
        return f.read().strip().encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bus-sub", required=True)
    ap.add_argument("--rpc", required=True, help="posy-orders' RPC endpoint")
    ap.add_argument("--receipts-rpc", required=True, help="posy-receipts' RPC endpoint")
    ap.add_argument("--keys", required=True, help="the suite's keys directory (*.pub, and the identity's .key)")
    ap.add_argument("--identity", required=True)
    ap.add_argument("--listen", type=float, default=2.0)
    args = ap.parse_args()
    ctx = zmq.Context()
    public = read_key(os.path.join(args.keys, args.identity + ".pub"))
    secret = read_key(os.path.join(args.keys, args.identity + ".key"))

    def secure(s, server):
        s.curve_serverkey = read_key(os.path.join(args.keys, server + ".pub"))
        s.curve_publickey, s.curve_secretkey = public, secret
        s.setsockopt(zmq.LINGER, 0)

    sub = ctx.socket(zmq.SUB)
    secure(sub, "bus")
    sub.connect(args.bus_sub)
    for prefix in (b"", b"order.", b"to.", b"sys.heartbeat"):
        sub.setsockopt(zmq.SUBSCRIBE, prefix)
    # A second socket that asks twice and cancels twice: a cancellation must touch its own only.
    churn = ctx.socket(zmq.SUB)
    secure(churn, "bus")
    churn.connect(args.bus_sub)
    for prefix in (b"", b"", b"order.", b"order."):
        churn.setsockopt(zmq.SUBSCRIBE, prefix)
    time.sleep(0.3)
    for prefix in (b"", b"", b"order.", b"order."):
        churn.setsockopt(zmq.UNSUBSCRIBE, prefix)

    heard = {}
    deadline = time.time() + args.listen
    while time.time() < deadline:
        if sub.poll(100):
            topic = sub.recv_multipart()[0].decode(errors="replace")
            prefix = topic.split(".")[0] + "."
            if topic == "sys.heartbeat":
                prefix = topic
            heard[prefix] = heard.get(prefix, 0) + 1
    sub.close()
    churn.close()

    def call(method, body, server="orders", endpoint=None):
        dealer = ctx.socket(zmq.DEALER)
        secure(dealer, server)
        dealer.connect(endpoint or args.rpc)
        try:
            dealer.send_multipart([uuid.uuid4().hex.encode(), method.encode(), json.dumps(body).encode()])
            if not dealer.poll(3000):
                return "no answer", None
            _, status, reply = dealer.recv_multipart()
            reply = json.loads(reply)
            return ("ok" if status == b"ok" else reply.get("code")), reply
        finally:
            dealer.close()

    since_code, since = call("events.since", {"v": 1, "epoch": "", "after": 0, "limit": 5000})
    since_topics = sorted({e["type"] for e in (since or {}).get("events", [])}) if since_code == "ok" else []
    replay = {}
    for topic in ("order.placed", "sys.probe.ack"):
        code, _ = call("events.replay", {"v": 1, "topic": topic, "epoch": "", "after": 0, "limit": 100})
        replay[topic] = code
    # A store's bytes are the operator's tool's alone: asking as nobody, as itself or as the tool.
    backup = []
    for caller in (None, {"service": args.identity}, {"service": "cli"}):
        body = {"v": 1, "id": "insider-" + uuid.uuid4().hex[:8], "holdSeconds": 1}
        if caller is not None:
            body = {"caller": caller, **body}
        backup.append(call("backup.hold", body)[0])
    backup.append(call("backup.read", {"caller": {"service": "cli"}, "v": 1, "id": "x", "name": "orders.db", "offset": 0,
                                       "length": 100})[0])
    # A person's data for an access request or an erasure: posy-orders asks the stores as itself,
    # for an admin or a manager the gateway vouched for; nobody else gets there.
    privacy = []
    part = {"orders": [{"orderId": "o1", "shopId": "s1", "conversationId": "m1-o1"}], "phones": []}
    for caller in (None, {"service": args.identity}, {"service": "orders"}):
        body = part if caller is None else {"caller": caller, **part}
        privacy.append(call("privacy.export.part", body, "receipts", args.receipts_rpc)[0])
    for method in ("orders.privacy.export", "orders.privacy.erase"):
        privacy.append(call(method, {"caller": {"service": args.identity}, "customerId": "c1"})[0])
        privacy.append(call(method, {"caller": {"sub": "a1", "role": "admin"}, "customerId": "c1"})[0])
    print(json.dumps({"identity": args.identity, "heard": heard, "sinceCode": since_code, "sinceTopics": since_topics,
                      "replay": replay, "backup": backup, "privacy": privacy}))


if __name__ == "__main__":
    main()

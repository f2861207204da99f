#!/usr/bin/env python3
"""A browser's view of a gateway serving HTTPS: trusts only the given CA file, fetches /healthz over
HTTPS, opens the stream over WSS with a token, tries plain HTTP on the HTTPS port, and follows
nothing on the redirect port (reports its status and Location, also for a forged Host header).
Prints one JSON line; exit status 0 whatever happened: the test judges.
"""
import argparse, asyncio, http.client, json, ssl, time

import websockets


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--redirect-port", type=int, required=True)
    ap.add_argument("--cafile", required=True)
    ap.add_argument("--token", required=True)
    args = ap.parse_args()
    ctx = ssl.create_default_context(cafile=args.cafile)
    report = {}

    deadline = time.time() + 30  # the suite may still be starting: wait for a healthy answer
    while True:
        try:
            c = http.client.HTTPSConnection("127.0.0.1", args.port, context=ctx, timeout=10)
            c.request("GET", "/healthz")
            r = c.getresponse()
            report["httpsStatus"] = r.status
            report["httpsBody"] = json.loads(r.read() or b"{}")
            report["tlsVersion"] = c.sock.version()
            c.close()
        except (OSError, http.client.HTTPException) as e:
            report["httpsStatus"] = None
            report["httpsError"] = repr(e)
        if report["httpsStatus"] == 200 or time.time() > deadline:
            break
        time.sleep(0.3)

    try:
        p = http.client.HTTPConnection("127.0.0.1", args.port, timeout=5)
        p.request("GET", "/healthz")
        report["plainStatus"] = p.getresponse().status
    except Exception as e:  # the TLS server has nothing to say to plain HTTP
        report["plainStatus"] = None
        report["plainError"] = type(e).__name__

    for name, host in (("redirect", None), ("redirectForgedHost", "evil.example")):
        d = http.client.HTTPConnection("127.0.0.1", args.redirect_port, timeout=5)
        headers = {"Host": host} if host else {}
        d.request("GET", "/v1/orders?limit=5", headers=headers)
        r = d.getresponse()
        report[name] = {"status": r.status, "location": r.getheader("Location")}
        d.close()

    async def stream():
        url = f"wss://127.0.0.1:{args.port}/v1/stream"
        async with websockets.connect(url, ssl=ctx, additional_headers={"Authorization": f"Bearer {args.token}"}) as ws:
            await ws.ping()
            return True
    try:
        report["wssOpened"] = asyncio.run(stream())
    except Exception as e:
        report["wssOpened"] = False
        report["wssError"] = repr(e)
    print(json.dumps(report))


if __name__ == "__main__":
    main()

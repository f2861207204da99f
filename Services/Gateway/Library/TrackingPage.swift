import Hummingbird
import PosySchema

/// `GET /t/{token}`: the customer's tracking page, the target of an order's `trackingUrl`.
///
/// A static page: the browser reads the order with the token from its own URL (`GET /v1/orders/…`,
/// the timeline) and keeps it current from `GET /v1/stream?access_token=…`. The server sends the
/// same bytes for every token, so the page reveals nothing by itself; an invalid or expired link
/// shows a message. Headers keep the token from leaking: no `Referer`, no caching, no framing.
enum TrackingPage {
    static func register(on table: RouteTable) {
        table.get("t/{token}") { _, _ in
            var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
            headers[.cacheControl] = "no-store"
            headers[.init("Referrer-Policy")!] = "no-referrer"
            headers[.init("X-Frame-Options")!] = "DENY"
            headers[.init("Content-Security-Policy")!] =
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self' ws: wss:; frame-ancestors 'none'"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
        }
    }

    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Your flowers — Posy</title>
        <style>
          body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 34rem; padding: 1rem; color: #222; }
          h1 { font-size: 1.3rem; } .state { font-size: 1.6rem; font-weight: 600; color: #b0306a; }
          .muted { color: #777; } ol { padding-left: 1.2rem; } li { margin: .2rem 0; }
          #live::before { content: "●"; margin-right: .3rem; } #live.on { color: #2a2; } #live.off { color: #aaa; }
        </style>
        </head>
        <body>
        <h1>Your flowers</h1>
        <p id="message" class="muted">Loading…</p>
        <section id="order" hidden>
          <p class="state" id="state"></p>
          <p id="window"></p>
          <p id="courier"></p>
          <p id="items"></p>
          <h2>What happened</h2>
          <ol id="timeline"></ol>
          <p class="muted"><span id="live" class="off">live</span></p>
        </section>
        <script>
        "use strict";
        const token = decodeURIComponent(location.pathname.split("/").pop() || "");
        const labels = { placed: "Ordered", confirmed: "Confirmed by the shop", assigned: "A courier is assigned",
          accepted: "The courier accepted", pickedUp: "Picked up at the shop", outForDelivery: "On the way",
          arriving: "Arriving now", delivered: "Delivered", completed: "Completed", cancelled: "Cancelled",
          failed: "Could not be delivered", returned: "Returned to the shop" };
        let orderId = null;
        try { orderId = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).order; } catch (e) {}
        const text = (id, value) => { document.getElementById(id).textContent = value; };
        async function api(path) {
          const r = await fetch(path, { headers: { Authorization: "Bearer " + token } });
          if (!r.ok) throw new Error(r.status === 401 ? "This link has expired." : "This order cannot be found.");
          return r.json();
        }
        const time = (s) => new Date(s).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
        async function refresh() {
          const order = await api("/v1/orders/" + encodeURIComponent(orderId));
          const steps = await api("/v1/orders/" + encodeURIComponent(orderId) + "/timeline");
          text("state", labels[order.state] || order.state);
          text("window", "Delivery window: " + time(order.window.start) + " – " + time(order.window.end));
          text("courier", order.courier ? "Your courier: " + order.courier.firstName + " (" + order.courier.vehicle + ")" : "");
          text("items", (order.items || []).map((i) => i.quantity + " × " + i.name).join(", "));
          const list = document.getElementById("timeline");
          list.replaceChildren(...steps.map((s) => {
            const li = document.createElement("li");
            li.textContent = time(s.at) + " — " + (labels[s.state] || s.state);
            return li;
          }));
          document.getElementById("message").hidden = true;
          document.getElementById("order").hidden = false;
        }
        function stream(after) {
          const url = new URL("/v1/stream", location.href);
          url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
          url.searchParams.set("access_token", token);
          if (after) url.searchParams.set("after", after);
          const ws = new WebSocket(url);
          let last = after;
          ws.onopen = () => { document.getElementById("live").className = "on"; };
          ws.onmessage = (m) => {
            const frame = JSON.parse(m.data);
            last = frame.id || last;
            if (frame.type === "\#(StreamControlType.reset)" || (frame.data && frame.data.orderId === orderId)) refresh().catch(() => {});
          };
          ws.onclose = (e) => {
            document.getElementById("live").className = "off";
            if (e.code !== 4001) setTimeout(() => stream(last), 3000);
          };
        }
        if (!orderId) {
          text("message", "This link is not valid.");
        } else {
          refresh().then(() => stream(null)).catch((e) => text("message", e.message));
        }
        </script>
        </body>
        </html>
        """#
}

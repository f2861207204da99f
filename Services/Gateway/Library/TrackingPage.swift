import Hummingbird

/// `GET /t/{token}`: the customer's page, the target of an order's `trackingUrl`
/// (docs/architecture.md, "Web faces").
///
/// The web root's `customer/index.html`, the same bytes for every token, so the page reveals nothing
/// by itself: the browser reads the token from its own URL and asks the API with it. ``WebFiles``
/// answers it (with `no-store` and no `Referer`, so the token stays out of caches and other sites'
/// logs); this route answers only when no web root is served.
enum TrackingPage {
    static func register(on router: Router<GatewayRequestContext>) {
        router.get("t/{token}") { _, _ in
            var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
            headers[.cacheControl] = "no-store"
            headers[.init("Referrer-Policy")!] = "no-referrer"
            return Response(
                status: .serviceUnavailable, headers: headers,
                body: .init(byteBuffer: ByteBuffer(string: "The tracking page is not served here (the gateway has no web root).\n")))
        }
    }
}

import Foundation
import Hummingbird
import HummingbirdTesting
import PosyAccess
import PosyAuth
import PosyCore
import PosyGateway
import PosySchema
import Testing

/// The gateway's routes in process (`app.test(.router)`) against ``FakeGatewayBackend``: what a
/// route asks of which service for which caller, and how it answers the client — authentication,
/// rates, bodies, errors. What crosses processes stays with the integration tests.
@Suite struct GatewayRouteTests {
    static let secret = "route-tests-secret-0123456789abcdef"
    let signer = TokenSigner(secret: Self.secret)

    func app(_ backend: FakeGatewayBackend, rateLimit: Double = 0, burst: Double = 1) -> some ApplicationProtocol {
        let config = GatewayConfig(
            expect: [], publicURL: "https://posy.example", rateLimit: rateLimit, rateBurst: burst)
        return Application(router: GatewayApp.apiRouter(backend: backend, config: config, secret: Self.secret))
    }

    func token(_ role: Role, sub: String = "u1", shop: String? = nil, order: String? = nil) throws -> String {
        try signer.mint(sub: sub, role: role, shop: shop, order: order, ttl: 600)
    }

    func headers(_ token: String?) -> HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json"]
        if let token { fields[.authorization] = "Bearer \(token)" }
        return fields
    }

    static func json(_ buffer: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
    }

    /// Every `/v1` route the router serves, its parameters filled in, as a client would call it.
    static var apiRoutes: [(HTTPRequest.Method, String)] {
        let config = GatewayConfig(expect: [], publicURL: "https://posy.example")
        let router = GatewayApp.apiRouter(backend: FakeGatewayBackend(), config: config, secret: secret)
        return GatewayRoutes.served(by: router).subtracting(GatewayRoutes.signIn).subtracting(GatewayRoutes.open).filter {
            $0.contains(" /v1/")
        }.sorted().map { route in
            let parts = route.split(separator: " ")
            let path = parts[1].replacingOccurrences(of: #"\{[^}]+\}"#, with: "x1", options: .regularExpression)
            return (HTTPRequest.Method(rawValue: String(parts[0]))!, path)
        }
    }

    @Test func everyAPIRouteWantsATokenAndNeverAsksAServiceWithoutOne() async throws {
        let backend = FakeGatewayBackend()
        let forged = try TokenSigner(secret: "another-secret-0123456789abcdef").mint(sub: "u1", role: .admin, ttl: 600)
        try await app(backend).test(.router) { client in
            for (method, path) in Self.apiRoutes {
                for token in [nil, forged, "not.a.token"] {
                    try await client.execute(uri: path, method: method, headers: headers(token), body: ByteBuffer(string: "{}")) {
                        #expect($0.status == .unauthorized, "\(method) \(path)")
                        #expect(Self.json($0.body)["code"] as? String == "unauthorized", "\(method) \(path)")
                        #expect($0.headers[.wwwAuthenticate] == "Bearer", "\(method) \(path)")
                    }
                }
            }
        }
        #expect(backend.calls.isEmpty, "\(backend.calls.map(\.method))")
    }

    @Test func aRouteForwardsTheTokensCallerAndTheServicesReplyAsItCame() async throws {
        let reply = Data(#"{"id":"o1","state":"placed","note":"kept as sent"}"#.utf8)
        let backend = FakeGatewayBackend { _ in reply }
        let staff = try token(.staff, sub: "st1", shop: "s1")
        try await app(backend).test(.router) { client in
            try await client.execute(uri: "/v1/orders/o1", method: .get, headers: headers(staff)) {
                #expect($0.status == .ok)
                #expect(Data($0.body.readableBytesView) == reply)
                #expect($0.headers[.contentType] == "application/json")
            }
            try await client.execute(
                uri: "/v1/orders/o1/fail", method: .post, headers: headers(staff), body: ByteBuffer(string: #"{"reason":"nobody home"}"#)
            ) { #expect($0.status == .ok) }
        }
        let calls = backend.calls
        try #require(calls.count == 2)
        #expect(calls[0].method == OrdersRPC.get.name && calls[0].instance == ServiceName.orders && calls[0].retries == 1)
        #expect(calls[0].json["id"] as? String == "o1")
        #expect(calls[0].caller["sub"] as? String == "st1" && calls[0].caller["role"] as? String == "staff")
        #expect(calls[0].caller["shop"] as? String == "s1")
        // A state change is not retried (the service decides once) and carries what the body said.
        #expect(calls[1].method == OrdersRPC.transition.name && calls[1].retries == 0)
        #expect(calls[1].json["to"] as? String == "failed" && calls[1].json["reason"] as? String == "nobody home")
    }

    @Test func domainErrorsKeepTheirStatusAndUnexpectedOnesSayNothing() async throws {
        struct Surprise: Error { let secret = "/var/lib/posy/orders.db is locked" }
        let backend = FakeGatewayBackend { call in
            switch call.json["id"] as? String {
            case "gone": throw PosyError(.notFound, "no order gone")
            case "busy": throw PosyError(.unavailable, "orders is not available")
            default: throw Surprise()
            }
        }
        let customer = try token(.customer, sub: "c1")
        try await app(backend).test(.router) { client in
            try await client.execute(uri: "/v1/orders/gone", method: .get, headers: headers(customer)) {
                #expect($0.status == .notFound)
                #expect(Self.json($0.body)["code"] as? String == "not_found")
                #expect(Self.json($0.body)["message"] as? String == "no order gone")
            }
            try await client.execute(uri: "/v1/orders/busy", method: .get, headers: headers(customer)) {
                #expect($0.status == .serviceUnavailable)
                #expect(Self.json($0.body)["code"] as? String == "unavailable")
            }
            try await client.execute(uri: "/v1/orders/other", method: .get, headers: headers(customer)) {
                #expect($0.status == .internalServerError)
                #expect(Self.json($0.body)["code"] as? String == "internal")
                #expect(!String(buffer: $0.body).contains("orders.db"))
            }
        }
    }

    @Test func bodiesAreJudgedBeforeAnyServiceHearsOfThem() async throws {
        let backend = FakeGatewayBackend()
        let admin = try token(.admin)
        let courier = try token(.courier, sub: "k1", shop: "s1")
        try await app(backend).test(.router) { client in
            try await client.execute(
                uri: "/v1/shops", method: .post, headers: headers(admin),
                body: ByteBuffer(string: #"{"name":"X","address":"Y","lat":"north","lon":1,"timeZone":"UTC"}"#)
            ) {
                #expect($0.status == .badRequest)
                #expect(
                    (Self.json($0.body)["message"] as? String)?.contains("bad lat (expected a number)") == true,
                    "\(String(buffer: $0.body))")
            }
            try await client.execute(uri: "/v1/shops", method: .post, headers: headers(admin), body: ByteBuffer(string: "{nope")) {
                #expect($0.status == .badRequest)
                #expect((Self.json($0.body)["message"] as? String)?.hasSuffix("not JSON") == true)
            }
            try await client.execute(uri: "/v1/shops", method: .post, headers: headers(admin), body: ByteBuffer(string: #"{"name":"X"}"#)) {
                #expect((Self.json($0.body)["message"] as? String)?.contains("missing address") == true)
            }
            // Over 1 MiB: 413. A courier's position batch may be larger (up to 4 MiB).
            let big = #"{"name":""# + String(repeating: "x", count: (1 << 20) + 10) + #""}"#
            try await client.execute(uri: "/v1/shops", method: .post, headers: headers(admin), body: ByteBuffer(string: big)) {
                #expect($0.status == .contentTooLarge)
                #expect(Self.json($0.body)["code"] as? String == "too_large")
            }
            // A batch that is not plain is read by JSONDecoder, which names what is wrong.
            try await client.execute(
                uri: "/v1/locations", method: .post, headers: headers(courier),
                body: ByteBuffer(string: #"{"positions":[{"lat":1,"lon":2,"accuracy":5,"at":"t"},{"lat":1,"lon":2,"accuracy":5}]}"#)
            ) {
                #expect($0.status == .badRequest)
                #expect(
                    (Self.json($0.body)["message"] as? String)?.contains("missing positions[1].at") == true, "\(String(buffer: $0.body))")
            }
            #expect(backend.calls.isEmpty)
            let point = #"{"lat":52.52,"lon":13.40,"at":"2026-12-01T10:00:00Z","accuracy":5,"speed":4.2,"heading":90}"#
            let batch = #"{"positions":["# + Array(repeating: point, count: 20_000).joined(separator: ",") + "]}"
            #expect(batch.utf8.count > 1 << 20 && batch.utf8.count < 4 << 20)
            try await client.execute(uri: "/v1/locations", method: .post, headers: headers(courier), body: ByteBuffer(string: batch)) {
                #expect($0.status == .ok, "\(String(buffer: $0.body))")
            }
        }
        let ingest = try #require(backend.calls.first)
        #expect(ingest.method == LocationRPC.ingest.name && (ingest.json["positions"] as? [Any])?.count == 20_000)
    }

    @Test func aTokenOverItsRateGets429WithRetryAfterAndOthersAreNotHeldUp() async throws {
        let backend = FakeGatewayBackend { _ in Data("[]".utf8) }
        let busy = try token(.staff, sub: "st1", shop: "s1")
        let calm = try token(.staff, sub: "st2", shop: "s1")
        let statuses = try await app(backend, rateLimit: 5, burst: 10).test(.router) { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<25 {
                try await client.execute(uri: "/v1/orders", method: .get, headers: headers(busy)) {
                    statuses.append($0.status)
                    if $0.status == .tooManyRequests {
                        #expect(Int($0.headers[.retryAfter] ?? "").map { $0 >= 1 } == true)
                        #expect(Self.json($0.body)["code"] as? String == "rate_limited")
                    }
                }
            }
            try await client.execute(uri: "/v1/orders", method: .get, headers: headers(calm)) { #expect($0.status == .ok) }
            return statuses
        }
        #expect(statuses.prefix(10).allSatisfy { $0 == .ok }, "\(statuses)")
        #expect(statuses.contains(.tooManyRequests), "\(statuses)")
        // Refused requests never reached the service.
        #expect(backend.calls.count == statuses.filter { $0 == .ok }.count + 1)
    }

    @Test func aServedPathWithAnotherMethodIs405WithAllow() async throws {
        let backend = FakeGatewayBackend()
        try await app(backend).test(.router) { client in
            try await client.execute(uri: "/v1/orders/o1", method: .delete, headers: headers(try token(.admin))) {
                #expect($0.status == .methodNotAllowed)
                #expect($0.headers[.allow] == "GET")
                #expect(Self.json($0.body)["code"] as? String == "method_not_allowed")
            }
            try await client.execute(uri: "/v1/nothing-here", method: .get) { #expect($0.status == .notFound) }
        }
        #expect(backend.calls.isEmpty)
    }

    @Test func aNewOrderComesBackWithItsTrackingLinkAndIdempotencyKeysAreChecked() async throws {
        let windowEnd = Timestamp.format(Date().addingTimeInterval(7200))
        let backend = FakeGatewayBackend { _ in
            Data(#"{"id":"o9","state":"placed","customer":{"id":"c1","name":"Mei"},"window":{"start":"x","end":"\#(windowEnd)"}}"#.utf8)
        }
        let staff = try token(.staff, sub: "st1", shop: "s1")
        let link = try await app(backend).test(.router) { client -> String? in
            var headers = headers(staff)
            headers[.init("Idempotency-Key")!] = ""
            try await client.execute(uri: "/v1/orders", method: .post, headers: headers, body: ByteBuffer(string: "{}")) {
                #expect($0.status == .badRequest, "\(String(buffer: $0.body))")
            }
            let order = try JSON.encode(
                NewOrder(
                    shopId: "s1", customer: OrderCustomer(id: "c1", name: "Mei"),
                    recipient: OrderRecipient(name: "Mother", phone: "+49 30 1234", address: "Karl-Marx-Allee 1", lat: 52.52, lon: 13.40),
                    items: [OrderItem(name: "carnations", quantity: 12)],
                    window: DeliveryWindow(start: Timestamp.format(Date().addingTimeInterval(3600)), end: windowEnd)))
            headers[.init("Idempotency-Key")!] = "k-1"
            return try await client.execute(uri: "/v1/orders", method: .post, headers: headers, body: ByteBuffer(bytes: order)) {
                response -> String? in
                #expect(response.status == .created)
                let body = Self.json(response.body)
                #expect(body["id"] as? String == "o9" && body["status"] as? String == "placed")
                return body["trackingUrl"] as? String
            }
        }
        #expect(backend.calls.count == 1 && backend.calls[0].json["idempotencyKey"] as? String == "k-1")
        let url = try #require(link)
        #expect(url.hasPrefix("https://posy.example/t/"))
        let claims = try signer.verify(String(url.split(separator: "/").last!))
        #expect(claims.role == .customer && claims.sub == "c1" && claims.order == "o9")
        #expect(Double(claims.exp) > Date().timeIntervalSince1970 + 7 * 86400)
    }

    @Test func chatGoesToTheShardItsIdNamesAndListsSayWhichShardsDidNotAnswer() async throws {
        let backend = FakeGatewayBackend(shards: ["messaging-1", "messaging-2"]) { call in
            if call.instance == "messaging-2" { throw PosyError(.unavailable, "messaging-2 is not available") }
            return Data("[]".utf8)
        }
        let customer = try token(.customer, sub: "c1")
        try await app(backend).test(.router) { client in
            try await client.execute(uri: "/v1/conversations/m1-abc", method: .get, headers: headers(customer)) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/v1/conversations/nonsense", method: .get, headers: headers(customer)) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/v1/conversations", method: .get, headers: headers(customer)) {
                #expect($0.status == .ok)
                #expect(Self.json($0.body)["unavailable"] as? [String] == ["messaging-2"])
            }
            try await client.execute(uri: "/v1/sync?limit=0", method: .get, headers: headers(customer)) {
                #expect($0.status == .unprocessableContent)
            }
        }
        let calls = backend.calls
        #expect(calls.first?.instance == "messaging-1" && calls.first?.method == MessagingRPC.conversation.name)
        #expect(Set(calls.dropFirst().map(\.instance)) == ["messaging-1", "messaging-2"])
    }

    @Test func aSignedMediaLinkReadsWithoutATokenUntilItExpires() async throws {
        let bytes = Data((0..<1000).map { UInt8($0 % 251) })
        let info = MediaInfo(
            id: "md1", sha256: "abc", size: Int64(bytes.count), kind: .image, contentType: "image/jpeg", orderId: "o1",
            createdAt: Timestamp.format(Date()))
        let backend = FakeGatewayBackend { call in
            if call.method == ReceiptsRPC.mediaInfo.name { return try JSON.encode(info) }
            let offset = call.json["offset"] as? Int ?? 0
            let length = call.json["length"] as? Int ?? 0
            return bytes.subdata(in: offset..<min(bytes.count, offset + length))
        }
        let links = URLSigner(secret: Self.secret)
        let (query, _) = links.sign(path: "/v1/media/md1", ttl: 60)
        let (expired, _) = links.sign(path: "/v1/media/md1", ttl: 60, now: Date().addingTimeInterval(-3600))
        let (otherItem, _) = links.sign(path: "/v1/media/md2", ttl: 60)
        try await app(backend).test(.router) { client in
            try await client.execute(uri: "/v1/media/md1?\(query)", method: .get, headers: [.range: "bytes=10-19"]) {
                #expect($0.status == .partialContent)
                #expect(Data($0.body.readableBytesView) == bytes.subdata(in: 10..<20))
                #expect($0.headers[.contentRange] == "bytes 10-19/1000")
            }
            for bad in [expired, otherItem, "exp=9999999999&sig=AAAA"] {
                try await client.execute(uri: "/v1/media/md1?\(bad)", method: .get) {
                    #expect($0.status == .forbidden, "\(bad)")
                }
            }
            try await client.execute(uri: "/v1/media/md1", method: .get) { #expect($0.status == .unauthorized) }
        }
        let infoCalls = backend.calls.filter { $0.method == ReceiptsRPC.mediaInfo.name }
        #expect(infoCalls.count == 1 && infoCalls[0].caller["service"] as? String == "gateway-link")
    }

    /// Every answer — a route's, a domain error's, a refused token's, a path nobody serves, a body
    /// over the limit — says nosniff; media also a CSP that runs nothing if opened as a page.
    @Test func everyAnswerSaysNoSniffAndMediaRunNothing() async throws {
        let info = MediaInfo(
            id: "md1", sha256: String(repeating: "a", count: 64), size: 4, kind: .image, contentType: "image/jpeg", orderId: "o1",
            createdAt: "2026-01-01T00:00:00Z")
        let backend = FakeGatewayBackend { call in
            switch call.method {
            case ReceiptsRPC.mediaInfo.name: return try JSON.encode(info)
            case ReceiptsRPC.mediaRead.name: return Data([0xFF, 0xD8, 0xFF, 0xD9])
            default: throw PosyError(.notFound, "nothing")
            }
        }
        let staff = try token(.staff, shop: "s1")
        try await app(backend).test(.router) { client in
            for (uri, method, token, body) in [
                ("/v1/media/md1", HTTPRequest.Method.get, staff, nil), ("/v1/orders/o1", .get, staff, nil),
                ("/v1/orders", .get, nil, nil), ("/v1/nothing-here", .get, staff, nil), ("/v1/orders/o1", .put, staff, nil),
                ("/v1/shops", .post, try token(.admin), ByteBuffer(string: "{" + String(repeating: " ", count: 2 << 20) + "}")),
            ] as [(String, HTTPRequest.Method, String?, ByteBuffer?)] {
                try await client.execute(uri: uri, method: method, headers: headers(token), body: body) {
                    #expect($0.headers[.xContentTypeOptions] == "nosniff", "\(method) \(uri): \($0.status)")
                    if uri == "/v1/media/md1" {
                        #expect($0.status == .ok && $0.headers[.contentSecurityPolicy] == "default-src 'none'; sandbox")
                    }
                }
            }
        }
    }

    @Test func theStreamOverPlainHTTPChecksTheTokenThenAsksToUpgrade() async throws {
        let backend = FakeGatewayBackend()
        try await app(backend).test(.router) { client in
            try await client.execute(uri: "/v1/stream", method: .get) { #expect($0.status == .unauthorized) }
            // Only a tracking link's token may ride in the URL (docs/protocol.md, "Tokens").
            try await client.execute(uri: "/v1/stream?access_token=\(try token(.customer, order: "o1"))", method: .get) {
                #expect($0.status == .upgradeRequired)
            }
            for role in [Role.customer, .staff, .admin, .courier] {
                try await client.execute(uri: "/v1/stream?access_token=\(try token(role, shop: "s1"))", method: .get) {
                    #expect($0.status == .unauthorized, "\(role)")
                }
            }
            try await client.execute(uri: "/v1/stream?after=garbage", method: .get, headers: headers(try token(.customer))) {
                #expect($0.status == .badRequest)
            }
            // A token that expired before the stream was asked for opens nothing, whichever way it comes.
            let expired = try signer.mint(sub: "u1", role: .customer, order: "o1", ttl: 60, now: Date().addingTimeInterval(-3600))
            try await client.execute(uri: "/v1/stream", method: .get, headers: headers(expired)) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/stream?access_token=\(expired)", method: .get) { #expect($0.status == .unauthorized) }
        }
    }
}

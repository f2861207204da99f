import CompressNIO
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PosyAccess
import PosyAuth
import PosyGateway
import PosySchema
import Testing

/// What the web faces stand on, in process: the files the gateway serves (caching, gzip, security
/// headers), sign-in and sessions over ``FakeGatewayBackend``, and which routes an API key's
/// scopes open (docs/protocol.md, "Sign-in and sessions", "API keys").
@Suite struct WebFacesTests {
    static let secret = "web-faces-secret-0123456789abcdef"
    let signer = TokenSigner(secret: Self.secret)

    /// A web root with a sign-in page, a console and a script big enough to be worth compressing.
    static func webRoot() throws -> String {
        let root = Scratch.directory.appendingPathComponent("posy-web-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("console"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("assets"), withIntermediateDirectories: true)
        try "<!doctype html><title>in</title>".write(to: root.appendingPathComponent("signin.html"), atomically: true, encoding: .utf8)
        try "<!doctype html><title>console</title>".write(
            to: root.appendingPathComponent("console/index.html"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("customer"), withIntermediateDirectories: true)
        try "<!doctype html><title>your flowers</title>".write(
            to: root.appendingPathComponent("customer/index.html"), atomically: true, encoding: .utf8)
        try String(repeating: "export const flowers = 'carnations';\n", count: 100).write(
            to: root.appendingPathComponent("assets/app.js"), atomically: true, encoding: .utf8)
        try "secret".write(to: root.appendingPathComponent(".env"), atomically: true, encoding: .utf8)
        return root.path
    }

    func app(
        _ backend: FakeGatewayBackend, web: WebConfig = WebConfig(), publicURL: String = "https://posy.example"
    )
        -> some ApplicationProtocol
    {
        let config = GatewayConfig(expect: [], publicURL: publicURL, rateLimit: 0, web: web)
        return Application(router: GatewayApp.apiRouter(backend: backend, config: config, secret: Self.secret))
    }

    @Test func filesAreServedWithValidatorsGzipAndTheSecurityHeaders() async throws {
        let root = try Self.webRoot()
        let web = WebConfig(root: root, leafletDir: "/nonexistent", mapTiles: "https://{s}.tile.example.org/{z}/{x}/{y}.png")
        let script = try Data(contentsOf: URL(fileURLWithPath: root + "/assets/app.js"))
        try await app(FakeGatewayBackend(), web: web).test(.router) { client in
            try await client.execute(uri: "/console", method: .get) {
                #expect($0.status == .permanentRedirect && $0.headers[.location] == "/console/")
            }
            let etag = try await client.execute(uri: "/console/", method: .get) {
                #expect($0.status == .ok && $0.headers[.contentType] == "text/html; charset=utf-8")
                let csp = $0.headers[.contentSecurityPolicy] ?? ""
                #expect(
                    csp.contains("script-src 'self';") && !csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'")
                        && csp.contains("require-trusted-types-for 'script'") && csp.contains("trusted-types default posy-worker"))
                #expect(csp.contains("img-src 'self' data: blob: https://*.tile.example.org;"), "\(csp)")
                #expect($0.headers[.cacheControl] == "no-cache" && $0.headers[.xContentTypeOptions] == "nosniff")
                return $0.headers[.eTag] ?? ""
            }
            #expect(etag.hasPrefix("\"") && etag.count > 10)
            try await client.execute(uri: "/console/", method: .get, headers: [.ifNoneMatch: "\"other\", \(etag)"]) {
                #expect($0.status == .notModified && $0.body.readableBytes == 0)
            }
            try await client.execute(uri: "/assets/app.js", method: .get, headers: [.acceptEncoding: "br, gzip;q=0.8"]) {
                #expect($0.headers[.contentEncoding] == "gzip" && $0.headers[.contentType] == "text/javascript; charset=utf-8")
                var body = $0.body
                #expect($0.body.readableBytes < script.count / 4)
                let plain = try body.decompress(with: .gzip())
                #expect(Data(plain.readableBytesView) == script)
            }
            try await client.execute(uri: "/assets/app.js", method: .get, headers: [.acceptEncoding: "gzip;q=0"]) {
                #expect($0.headers[.contentEncoding] == nil && Data($0.body.readableBytesView) == script)
            }
            try await client.execute(uri: "/assets/app.js", method: .head) {
                #expect($0.status == .ok && $0.body.readableBytes == 0 && $0.headers[.contentLength] == "\(script.count)")
            }
            try await client.execute(uri: "/assets/settings.json", method: .get) {
                let settings = try JSONSerialization.jsonObject(with: Data($0.body.readableBytesView)) as? [String: Any]
                #expect(settings?["mapTiles"] as? String == web.mapTiles && settings?["leaflet"] as? Bool == false)
            }
            try await client.execute(uri: "/signin", method: .get) { #expect($0.status == .ok) }
            // A tracking link is the customer's page, the same bytes for every token, kept by nobody.
            for token in ["eyJhbGciOiJIUzI1NiJ9.e30.sig", "anything"] {
                try await client.execute(uri: "/t/" + token, method: .get) {
                    #expect($0.status == .ok && String(buffer: $0.body) == "<!doctype html><title>your flowers</title>")
                    #expect($0.headers[.cacheControl] == "no-store" && $0.headers[.init("Referrer-Policy")!] == "no-referrer")
                    #expect(($0.headers[.contentSecurityPolicy] ?? "").contains("script-src 'self';"))
                }
            }
            try await client.execute(uri: "/t/a/b", method: .get) { #expect($0.status == .notFound) }
            // Nothing outside the listed files: hidden files, the raw name of a page, other methods.
            for path in ["/.env", "/signin.html", "/console/index.html", "/assets/../signin.html", "/assets/%2e%2e/.env"] {
                try await client.execute(uri: path, method: .get) { #expect($0.status == .notFound, "\(path)") }
            }
            try await client.execute(uri: "/console/", method: .post) { #expect($0.status == .notFound) }
        }
        #expect(WebConfig.tileOrigin("") == nil)
        #expect(WebConfig.tileOrigin("javascript:alert(1)/{z}/{x}/{y}") == nil)
        #expect(WebConfig.tileOrigin("https://tiles.example/{z}/{x}/{y}.png; script-src *") == nil)
        #expect(WebConfig.tileOrigin("https://tiles.example:8443/{z}/{x}/{y}.png") == "https://tiles.example:8443")
    }

    static func grant(sid: String = "ss1", role: PersonRole = .manager, refresh: String? = "ss1.secret") -> Data {
        let person = Person(
            id: role == .courier ? "k1" : "p1", shopId: "s1", role: role, name: "Li Na", createdAt: "2026-12-01T00:00:00.000Z")
        return try! JSON.encode(
            SessionGrant(sid: sid, refresh: refresh, person: person, manager: role == .manager, expiresAt: "2026-12-31T00:00:00.000Z"))
    }

    @Test func aSessionIsOpenedKeptInACookieAndEndedAtOnce() async throws {
        let backend = FakeGatewayBackend { call in
            switch call.method {
            case PeopleRPC.openSession.name, PeopleRPC.refreshSession.name: return Self.grant()
            case PeopleRPC.check.name: return try JSON.encode(PeopleRPC.AccessCheck(sessions: []))
            case PeopleRPC.endSession.name:
                return try JSON.encode(AccessEnded(shopId: "s1", sessions: ["ss1"], reason: "signed_out", at: "x"))
            default: return Data("{}".utf8)
            }
        }
        try await app(backend).test(.router) { client in
            let token = try await client.execute(
                uri: "/v1/session", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"code":"abc","cookie":true}"#)
            ) {
                #expect($0.status == .created && $0.headers[.cacheControl] == "no-store")
                let cookie = $0.headers[.setCookie] ?? ""
                #expect(cookie.hasPrefix("posy_refresh=ss1.secret; Path=/v1/session; HttpOnly; SameSite=Strict; Max-Age="), "\(cookie)")
                #expect(cookie.hasSuffix("; Secure"))
                let reply = GatewayRouteTests.json($0.body)
                #expect(reply["refreshToken"] == nil && reply["home"] as? String == "/console/")
                return reply["accessToken"] as? String ?? ""
            }
            let claims = try signer.verify(token)
            #expect(
                claims.sid == "ss1" && claims.role == .staff && claims.shop == "s1" && claims.sub == "p1" && claims.exp - claims.iat == 900)
            try await client.execute(
                uri: "/v1/session/refresh", method: .post, headers: [.cookie: "theme=dark; posy_refresh=ss1.secret"]
            ) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/orders", method: .get, headers: [.authorization: "Bearer \(token)"]) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/v1/session", method: .delete, headers: [.authorization: "Bearer \(token)"]) {
                #expect($0.status == .noContent && $0.headers[.setCookie]?.contains("Max-Age=0") == true)
            }
            // Ended here at once, without asking posy-orders again.
            let asked = backend.calls.count
            try await client.execute(uri: "/v1/orders", method: .get, headers: [.authorization: "Bearer \(token)"]) {
                #expect($0.status == .unauthorized)
            }
            #expect(backend.calls.count == asked)
            // An operator's token has no session to end.
            let minted = try signer.mint(sub: "st1", role: .staff, shop: "s1", ttl: 60)
            try await client.execute(uri: "/v1/session", method: .delete, headers: [.authorization: "Bearer \(minted)"]) {
                #expect($0.status == .badRequest)
            }
        }
        let calls = backend.calls
        #expect(calls.first?.method == PeopleRPC.openSession.name && calls.first?.json["code"] as? String == "abc")
        #expect(calls.contains { $0.method == PeopleRPC.refreshSession.name && $0.json["code"] as? String == "ss1.secret" })
        // The session was asked about once and then trusted (docs/protocol.md: at least every 30 s).
        #expect(calls.filter { $0.method == PeopleRPC.check.name }.count == 1)
        #expect(calls.contains { $0.method == PeopleRPC.endSession.name && $0.json["id"] as? String == "ss1" })
    }

    @Test func anEndedSessionIsRefusedAndARefusedRefreshClearsTheCookie() async throws {
        let backend = FakeGatewayBackend { call in
            switch call.method {
            case PeopleRPC.check.name: return try JSON.encode(PeopleRPC.AccessCheck(sessions: ["gone"]))
            default: throw PosyError(.unauthorized, "the session has ended; sign in again")
            }
        }
        let token = try signer.mint(sub: "p1", role: .staff, shop: "s1", ttl: 600, sid: "gone")
        try await app(backend, publicURL: "http://127.0.0.1:8080").test(.router) { client in
            try await client.execute(uri: "/v1/orders", method: .get, headers: [.authorization: "Bearer \(token)"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/session/refresh", method: .post, headers: [.cookie: "posy_refresh=gone.x"]) {
                #expect($0.status == .unauthorized)
                #expect($0.headers[.setCookie] == "posy_refresh=; Path=/v1/session; HttpOnly; SameSite=Strict; Max-Age=0")
            }
            try await client.execute(uri: "/v1/session/refresh", method: .post) { #expect($0.status == .unauthorized) }
        }
        #expect(!backend.calls.contains { $0.method == OrdersRPC.list.name })
    }

    @Test func anAPIKeyReachesOnlyWhatItsScopesCover() async throws {
        let key = APIKey(id: "ak1", shopId: "s1", name: "web shop", scopes: [.ordersRead], createdAt: "x", createdBy: "staff:p1")
        let backend = FakeGatewayBackend { call in
            call.method == PeopleRPC.verifyKey.name ? try JSON.encode(key) : Data(#"{"items":[]}"#.utf8)
        }
        let value = "posy_ak1_" + String(repeating: "A", count: 43)
        try await app(backend).test(.router) { client in
            let auth: HTTPFields = [.authorization: "Bearer \(value)", .contentType: "application/json"]
            try await client.execute(uri: "/v1/orders", method: .get, headers: auth) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/orders/o1/timeline", method: .get, headers: auth) { #expect($0.status == .ok) }
            for (method, path) in [
                (HTTPRequest.Method.post, "/v1/orders"), (.post, "/v1/orders/o1/confirm"), (.get, "/v1/webhooks"),
                (.get, "/v1/conversations"), (.get, "/v1/shops/s1/api-keys"), (.post, "/v1/orders/o1/proof"),
            ] {
                try await client.execute(uri: path, method: method, headers: auth, body: ByteBuffer(string: "{}")) {
                    #expect($0.status == .forbidden && GatewayRouteTests.json($0.body)["code"] as? String == "scope_missing", "\(path)")
                }
            }
        }
        let calls = backend.calls
        // Checked once, then trusted for a while; the orders were read as the key's shop.
        #expect(calls.filter { $0.method == PeopleRPC.verifyKey.name }.count == 1)
        #expect(calls.first { $0.method == OrdersRPC.list.name }?.caller["shop"] as? String == "s1")
    }

    @Test func scopesFollowTheShopsSideOfAnOrder() {
        let rules: [(HTTPRequest.Method, String, APIScope?)] = [
            (.get, "/v1/orders", .ordersRead), (.get, "/v1/orders/o1", .ordersRead), (.get, "/v1/orders/o1/evidence", .ordersRead),
            (.post, "/v1/orders", .ordersWrite), (.post, "/v1/orders/o1/assign", .ordersWrite),
            (.post, "/v1/orders/o1/cancel", .ordersWrite),
            (.post, "/v1/orders/o1/changes/c1/approve", .ordersWrite), (.post, "/v1/orders/o1/accept", nil),
            (.post, "/v1/orders/o1/exceptions", nil), (.delete, "/v1/orders/o1", nil), (.get, "/v1/webhooks", .webhooks),
            (.delete, "/v1/webhooks/w1", .webhooks), (.get, "/v1/stream", nil), (.get, "/v1/shops/s1", nil), (.get, "/healthz", nil),
        ]
        for (method, path, scope) in rules {
            #expect(APIScopeRules.scope(method: method, path: path) == scope, "\(method) \(path)")
        }
    }

    static let web = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Services/Gateway/Web")

    /// The members of `export const <name> = Object.freeze({ key: 'value', … })` in a face's module.
    static func constants(_ file: String, _ name: String) throws -> [String: String] {
        let text = try String(contentsOf: web.appendingPathComponent(file), encoding: .utf8)
        let start = try #require(text.range(of: "export const \(name) = Object.freeze({"), "\(name) in \(file)")
        let end = try #require(text.range(of: "});", range: start.upperBound..<text.endIndex))
        let body = String(text[start.upperBound..<end.lowerBound])
        let regex = try NSRegularExpression(pattern: #"(\w+):\s*'([^']*)'"#)
        var out: [String: String] = [:]
        for m in regex.matches(in: body, range: NSRange(body.startIndex..., in: body)) {
            out[String(body[Range(m.range(at: 1), in: body)!])] = String(body[Range(m.range(at: 2), in: body)!])
        }
        return out
    }

    /// The faces spell order states in `assets/order.js` and the stream's names in `assets/names.js`
    /// only, and both say what the schema says: every state, frame type, push type and event the
    /// faces follow, nothing the server does not send or take.
    @Test func theFacesSpellStatesFramesAndPushesOnceAsTheSchemaDoes() throws {
        #expect(Set(try Self.constants("assets/order.js", "State").values) == Set(OrderState.allCases.map(\.rawValue)))
        let frames: Set<String> = [
            StreamFrameType.messageSend, StreamFrameType.messageRead, StreamFrameType.messageDelivered, StreamFrameType.messageRecall,
            StreamFrameType.typing, StreamFrameType.callSignal, StreamFrameType.locationBatch, StreamFrameType.ping,
            StreamFrameType.reply, "stream.open", "stream.reset",
        ]
        #expect(Set(try Self.constants("assets/names.js", "Frame").values) == frames)
        let pushes: Set<String> = [
            PushType.messageNew, PushType.messageRecalled, PushType.messageReceipt, PushType.messageUnread, PushType.typing,
            PushType.callSignal, PushType.conversationUpdated, PushType.orderPosition, PushType.courierPosition,
            PushType.courierOffDuty, PushType.notification,
        ]
        #expect(Set(try Self.constants("assets/names.js", "Push").values) == pushes)
        let events: Set<String> = [
            OrdersEvents.prefix, OrdersEvents.changePrefix, OrdersEvents.exceptionPrefix, LocationEvents.prefix,
            OrderState.confirmed.eventType, OrdersEvents.assignmentUnacknowledged.topic, ReceiptsEvents.proofAccepted.topic,
            ReceiptsEvents.deliveryConfirmed.topic, ReceiptsEvents.deliveryDisputed.topic, LocationEvents.delayRisk.topic,
            LocationEvents.stuck.topic, LocationEvents.signalLost.topic,
        ]
        #expect(Set(try Self.constants("assets/names.js", "Event").values) == events)
        // No other module spells a state (the words that are also other things — `confirmed`,
        // `failed` — aside): a new state, or a renamed one, is one edit.
        let spelled = try NSRegularExpression(
            pattern:
                #"(?<!getElementById\()'(placed|assigned|accepted|pickedUp|outForDelivery|arriving|delivered|completed|cancelled|returned)'"#
        )
        let files = FileManager.default.enumerator(at: Self.web, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        var found: [String] = []
        for file in files where file.pathExtension == "js" && file.lastPathComponent != "order.js" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for m in spelled.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                found.append("\(file.lastPathComponent): \(text[Range(m.range, in: text)!])")
            }
        }
        #expect(found.isEmpty, "\(found)")
    }

    /// Every string the faces show comes from both catalogues: the keys the pages name, and one per
    /// value of each schema enum the pages look up by prefix (`state.` + an order's state, …).
    @Test func bothCataloguesHaveEveryKeyThePagesUse() throws {
        let web = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Services/Gateway/Web")
        func catalogue(_ lang: String) throws -> [String: String] {
            let data = try Data(contentsOf: web.appendingPathComponent("assets/i18n/\(lang).json"))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: String])
        }
        let en = try catalogue("en")
        let zh = try catalogue("zh-CN")
        #expect(Set(en.keys) == Set(zh.keys), "\(Set(en.keys).symmetricDifference(zh.keys).sorted())")
        #expect(zh.values.allSatisfy { !$0.isEmpty })
        var used = Set<String>()
        let patterns = [
            #"\bt\('([A-Za-z0-9_.:-]+)'"#, #"data-i18n(?:-placeholder|-title|-aria-label)?="([^"]+)""#, #"'data-i18n': '([^']+)'"#,
        ]
        let files = FileManager.default.enumerator(at: web, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        for file in files where ["js", "html"].contains(file.pathExtension) {
            let text = try String(contentsOf: file, encoding: .utf8)
            for pattern in patterns {
                let regex = try NSRegularExpression(pattern: pattern)
                for m in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    if let r = Range(m.range(at: 1), in: text) { used.insert(String(text[r])) }
                }
            }
        }
        #expect(used.count > 100)
        let prefixed: [String: [String]] = [
            "state.": OrderState.allCases.map(\.rawValue), "exception.": ExceptionKind.allCases.map(\.rawValue),
            "resolution.": ExceptionResolution.allCases.map(\.rawValue), "dispute.": DisputeReason.allCases.map(\.rawValue),
            "vehicle.": Vehicle.allCases.map(\.rawValue), "party.": ChatParty.allCases.map(\.rawValue),
            "role.": PersonRole.allCases.map(\.rawValue), "delivery.": OutboundDelivery.State.allCases.map(\.rawValue),
            "problems.state.": ExceptionState.allCases.map(\.rawValue),
            "change.dropOff.": DropOffInstruction.Kind.allCases.map(\.rawValue),
            // The board's columns and the live indicator's states are the pages' own (board.js, stream.js).
            "col.": ["new", "confirmed", "assigned", "pickedUp", "outForDelivery", "arriving", "delivered", "problems"],
            "live.": ["live", "offline", "connecting", "ended"],
            // How an offer of alerts went (assets/push.js's answers, as the console and the customer's page say them).
            "alerts.": ["on", "denied", "unavailable"],
            // The courier app's steps and reasons (courier.js).
            "courier.action.": ["accept", "decline", "pickup", "depart", "arrive", "fail"],
            "courier.fail.": ["recipientAbsent", "refused", "addressWrong", "damaged", "other"],
            // The customer's page (customer.js): why a link shows nothing, the stepper, each state, a change's fate.
            "track.": ["expired", "invalid"],
            "track.step.": ["placed", "confirmed", "pickedUp", "outForDelivery", "delivered"],
            "track.state.": OrderState.allCases.map(\.rawValue),
            "track.change.": ["pending", "applied", "rejected"],
            // The map apps the courier app navigates with (navigate.js).
            "nav.app.": ["amap", "baidu", "apple", "google", "geo"],
            // What the customer's page says is kept and for how long (customer.js): retention kinds.
            "privacy.": ["contact", "chat", "media", "positions"],
            // Posy's own chat lines (assets/chat.js, from a system message's card): an order's step, who
            // did what in a call and the call steps the chat keeps.
            "system.state.": OrderState.allCases.map(\.rawValue),
            "system.by.": [ChatParty.customer, .courier, .shop].map(\.rawValue),
            "system.call.": [CallSignal.Kind.invite, .accept, .decline, .hangup].map(\.rawValue),
            // A video call's states (assets/call.js); "idle" is never shown.
            "call.state.": ["ringing", "calling", "connecting", "connected", "ended"],
            // The new-order form's fields (form.js): the API's field paths.
            "field.": [
                "customer.name", "customer.phone", "recipient.name", "recipient.phone", "recipient.address", "recipient.lat",
                "recipient.lon", "items", "cardMessage", "window.day", "window.start", "window.end", "sender.name", "sender.phone", "notes",
                "handling.keepCool", "handling.noDoorstep", "handling.fragile", "handling.needsWater", "surprise", "sender.anonymous",
                "dropOff.kind", "dropOff.description",
            ],
        ]
        for key in used where key.hasSuffix(".") {
            let values = try #require(prefixed[key], "\(key) + a value: say which enum it takes")
            for v in values { #expect(en[key + v] != nil, "\(key + v)") }
        }
        for key in used where !key.hasSuffix(".") { #expect(en[key] != nil, "\(key)") }
    }
}

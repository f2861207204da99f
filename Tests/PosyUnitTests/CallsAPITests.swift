import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import PosyAccess
import PosyAuth
import PosyGateway
import PosySchema
import Testing

/// `GET /v1/calls/turn` in process: coturn's REST-scheme credentials (docs/operations.md, "Calls and
/// TURN") for a party of an order on its way, none without a relay, and checked settings.
@Suite struct CallsAPITests {
    static let secret = "calls-tests-secret-0123456789abcdef"
    let signer = TokenSigner(secret: Self.secret)

    /// posy-orders as the route sees it: `o1` is on its way, `o2` was cancelled, any other order is
    /// not the caller's to see.
    static let orders = FakeGatewayBackend { call in
        switch call.json["id"] as? String {
        case "o1": Data(#"{"id":"o1","state":"outForDelivery"}"#.utf8)
        case "o2": Data(#"{"id":"o2","state":"cancelled"}"#.utf8)
        default: throw PosyError(.notFound, "no such order")
        }
    }

    func app(_ turn: TURNConfig, backend: FakeGatewayBackend = Self.orders) -> some ApplicationProtocol {
        let config = GatewayConfig(expect: [], publicURL: "https://posy.example", rateLimit: 0, turn: turn)
        return Application(router: GatewayApp.apiRouter(backend: backend, config: config, secret: Self.secret))
    }

    static func json(_ buffer: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
    }

    @Test func credentialsFollowCoturnsSharedSecretScheme() async throws {
        let turn = TURNConfig(
            urls: ["stun:relay.example:3478", "turn:relay.example:3478?transport=udp", "turns:relay.example:5349"], secret: "s3cret")
        let link = try signer.mint(sub: "c1", role: .customer, order: "o1", ttl: 600)
        try await app(turn).test(.router) { client in
            let before = Date().timeIntervalSince1970
            try await client.execute(uri: "/v1/calls/turn?orderId=o1", method: .get, headers: [.authorization: "Bearer \(link)"]) {
                #expect($0.status == .ok)
                let body = Self.json($0.body)
                let servers = body["iceServers"] as? [[String: Any]] ?? []
                #expect(
                    servers.count == 2 && servers[0]["urls"] as? [String] == ["stun:relay.example:3478"] && servers[0]["username"] == nil)
                let relay = servers[1]
                #expect(relay["urls"] as? [String] == ["turn:relay.example:3478?transport=udp", "turns:relay.example:5349"])
                let username = try #require(relay["username"] as? String)
                let parts = username.split(separator: ":", maxSplits: 1)
                let expiry = try #require(Double(parts[0]))
                #expect(parts[1] == "customer-c1" && abs(expiry - before - 600) < 5, "\(username)")
                // The password is base64(HMAC-SHA1(secret, username)): what coturn computes to check it.
                let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(username.utf8), using: SymmetricKey(data: Data("s3cret".utf8)))
                #expect(relay["credential"] as? String == Data(mac).base64EncodedString())
                #expect(body["ttl"] as? Int == 600 && body["iceTransportPolicy"] == nil)
            }
            try await client.execute(uri: "/v1/calls/turn?orderId=o1", method: .get) { #expect($0.status == .unauthorized) }
        }
        // Relay only: the pages are told so.
        var only = turn
        only.relayOnly = true
        try await app(only).test(.router) { client in
            try await client.execute(uri: "/v1/calls/turn?orderId=o1", method: .get, headers: [.authorization: "Bearer \(link)"]) {
                #expect(Self.json($0.body)["iceTransportPolicy"] as? String == "relay")
            }
        }
        // No relay configured: no servers, the browsers try directly.
        try await app(TURNConfig()).test(.router) { client in
            try await client.execute(uri: "/v1/calls/turn?orderId=o1", method: .get, headers: [.authorization: "Bearer \(link)"]) {
                #expect($0.status == .ok && (Self.json($0.body)["iceServers"] as? [Any])?.isEmpty == true)
            }
        }
    }

    @Test func credentialsOnlyForAPartyOfAnOrderOnItsWay() async throws {
        let turn = TURNConfig(urls: ["turn:relay.example:3478"], secret: "s3cret")
        let backend = Self.orders
        func status(_ token: String, _ query: String) async throws -> HTTPResponse.Status {
            try await app(turn, backend: backend).test(.router) { client in
                try await client.execute(uri: "/v1/calls/turn" + query, method: .get, headers: [.authorization: "Bearer \(token)"]) {
                    $0.status
                }
            }
        }
        let customer = try signer.mint(sub: "c1", role: .customer, ttl: 600)
        #expect(try await status(customer, "?orderId=o1") == .ok)
        #expect(try await status(try signer.mint(sub: "k1", role: .courier, shop: "s1", ttl: 600), "?orderId=o1") == .ok)
        // Which order, always; a cancelled order's link gets nothing, an order not theirs does not exist.
        #expect(try await status(customer, "") == .badRequest)
        #expect(try await status(try signer.mint(sub: "c1", role: .customer, order: "o2", ttl: 600), "?orderId=o2") == .conflict)
        #expect(try await status(try signer.mint(sub: "c9", role: .customer, ttl: 600), "?orderId=o3") == .notFound)
        // An admin is nobody's party.
        #expect(try await status(try signer.mint(sub: "a1", role: .admin, ttl: 600), "?orderId=o1") == .forbidden)
        // posy-orders judged the caller the gateway verified, not the one a request could name.
        let asked = backend.calls.filter { $0.method == OrdersRPC.get.name }
        #expect(asked.contains { $0.caller["sub"] as? String == "c9" && $0.json["id"] as? String == "o3" })
    }

    @Test func onlyTurnAndStunURLsAreTaken() {
        for ok in ["turn:relay.example:3478?transport=udp", "turns:relay.example:5349", "stun:[::1]:3478"] {
            #expect(TURNConfig.isValid(ok), "\(ok)")
        }
        for bad in ["https://relay.example", "turn:relay example", "turn:\"><script>", "turn:relay\u{0}", "javascript:alert(1)", ""] {
            #expect(!TURNConfig.isValid(bad), "\(bad)")
        }
    }
}

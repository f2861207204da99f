import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import PosyAccess
import PosyAuth
import PosyGateway
import Testing

/// `GET /v1/calls/turn` in process: coturn's REST-scheme credentials (docs/operations.md, "Calls and
/// TURN") for any signed-in party, none without a relay, and checked settings.
@Suite struct CallsAPITests {
    static let secret = "calls-tests-secret-0123456789abcdef"
    let signer = TokenSigner(secret: Self.secret)

    func app(_ turn: TURNConfig) -> some ApplicationProtocol {
        let config = GatewayConfig(expect: [], publicURL: "https://posy.example", rateLimit: 0, turn: turn)
        return Application(router: GatewayApp.apiRouter(backend: FakeGatewayBackend(), config: config, secret: Self.secret))
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
            try await client.execute(uri: "/v1/calls/turn", method: .get, headers: [.authorization: "Bearer \(link)"]) {
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
                #expect(parts[1] == "customer-c1" && abs(expiry - before - 3600) < 5, "\(username)")
                // The password is base64(HMAC-SHA1(secret, username)): what coturn computes to check it.
                let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(username.utf8), using: SymmetricKey(data: Data("s3cret".utf8)))
                #expect(relay["credential"] as? String == Data(mac).base64EncodedString())
                #expect(body["ttl"] as? Int == 3600 && body["iceTransportPolicy"] == nil)
            }
            try await client.execute(uri: "/v1/calls/turn", method: .get) { #expect($0.status == .unauthorized) }
        }
        // Relay only: the pages are told so.
        var only = turn
        only.relayOnly = true
        try await app(only).test(.router) { client in
            try await client.execute(uri: "/v1/calls/turn", method: .get, headers: [.authorization: "Bearer \(link)"]) {
                #expect(Self.json($0.body)["iceTransportPolicy"] as? String == "relay")
            }
        }
        // No relay configured: no servers, the browsers try directly.
        try await app(TURNConfig()).test(.router) { client in
            try await client.execute(uri: "/v1/calls/turn", method: .get, headers: [.authorization: "Bearer \(link)"]) {
                #expect($0.status == .ok && (Self.json($0.body)["iceServers"] as? [Any])?.isEmpty == true)
            }
        }
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

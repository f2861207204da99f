import Foundation
import Hummingbird
import PosySchema

/// `GET /v1/calls/turn`: the ICE servers a video call's browser uses (docs/protocol.md, "Calls"),
/// with TURN credentials that expire (``TURNConfig``). Any signed-in party may ask — a customer's
/// tracking link too; an API key may not (calls are people's).
struct CallsAPI {
    let api: APIContext

    struct IceServer: Encodable {
        var urls: [String]
        var username: String?
        var credential: String?
    }

    struct Reply: Encodable {
        var iceServers: [IceServer]
        /// Seconds the credentials work (absent without TURN).
        var ttl: Int?
        /// `relay` when calls must go through the relay (`--turn-relay-only`), as RTCPeerConnection takes it.
        var iceTransportPolicy: String?
    }

    func addRoutes(to routes: RouterGroup<AuthenticatedContext>) {
        let turn = api.config.turn
        routes.get("v1/calls/turn") { _, context in
            let stun = turn.urls.filter { $0.hasPrefix("stun") }
            let relays = turn.urls.filter { $0.hasPrefix("turn") }
            var servers: [IceServer] = stun.isEmpty ? [] : [IceServer(urls: stun)]
            var ttl: Int?
            // The user in the username is the token's subject and role, never more (coturn logs it).
            if !relays.isEmpty, let c = turn.credentials(for: "\(context.claims.role.rawValue)-\(context.claims.sub)") {
                servers.append(IceServer(urls: relays, username: c.username, credential: c.credential))
                ttl = Int(turn.ttl)
            }
            return JSONReply(
                try JSON.encode(Reply(iceServers: servers, ttl: ttl, iceTransportPolicy: ttl != nil && turn.relayOnly ? "relay" : nil)))
        }
    }
}

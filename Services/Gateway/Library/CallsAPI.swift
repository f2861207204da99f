import Foundation
import Hummingbird
import PosySchema

/// `GET /v1/calls/turn?orderId=`: the ICE servers a video call's browser uses (docs/protocol.md,
/// "Calls"), with TURN credentials that expire (``TURNConfig``) — a relay is bandwidth the suite
/// pays for, so only for a party of an order on its way: its customer (a tracking link of that
/// order too), its courier, its shop's staff. Not an admin, not an API key (calls are people's),
/// not a cancelled or delivered order's link.
struct CallsAPI {
    let api: APIContext

    /// What the route needs of the order: its state, as posy-orders shows it to the caller.
    struct Seen: Decodable {
        var state: OrderState
    }

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
        routes.get("v1/calls/turn") { request, context in
            guard let orderId = request.uri.queryParameters.get("orderId"), !orderId.isEmpty, orderId.utf8.count <= 64 else {
                throw PosyError(.badRequest, "orderId: the order whose parties call")
            }
            guard context.claims.role != .admin else { throw PosyError(.forbidden, "calls are between an order's parties") }
            // posy-orders answers only whoever may see the order (404 for anyone else).
            let order = try JSON.decode(
                Seen.self, from: try await api.call(OrdersRPC.get, OrdersRPC.OrderQuery(id: orderId), as: context.viewer))
            guard order.state == .outForDelivery || order.state == .arriving else {
                throw PosyError(.conflict, "calls are for an order on its way; this one is \(order.state.rawValue)")
            }
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

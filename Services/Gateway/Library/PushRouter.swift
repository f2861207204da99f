import Foundation
import PosyAccess
import PosyAuth
import PosySchema
import Synchronization

/// Routes pushes (chat, live positions) from the bus (`to.<userId>.`, `shop.<shopId>.`) to the stream connections of
/// the users they are for, each with its own unread count. A push is a hint: a connection that
/// misses one (it was not connected, or fell behind) syncs from the store.
final class PushRouter: Sendable {
    struct Listener: Sendable {
        let sub: String
        let role: Role
        /// A tracking link's order: only pushes about it are delivered.
        let order: String?
        let deliver: @Sendable (String) -> Void
    }

    private struct State {
        var next = 0
        var byTopic: [String: [Int: Listener]] = [:]
    }

    private let state = Mutex(State())

    /// The topics whose pushes a connection with these claims receives.
    static func topics(_ claims: TokenClaims) -> [String] {
        var topics = [Topic.user(claims.sub)]
        if claims.role == .staff, let shop = claims.shop { topics.append(UserPush.shopTopic(shop)) }
        return topics
    }

    /// Adds a connection; returns the handle to remove it with.
    func register(_ claims: TokenClaims, deliver: @escaping @Sendable (String) -> Void) -> (id: Int, topics: [String]) {
        let listener = Listener(sub: claims.sub, role: claims.role, order: claims.order, deliver: deliver)
        let topics = Self.topics(claims)
        let id = state.withLock { s -> Int in
            s.next += 1
            for t in topics { s.byTopic[t, default: [:]][s.next] = listener }
            return s.next
        }
        return (id, topics)
    }

    func unregister(_ handle: (id: Int, topics: [String])) {
        state.withLock { s in
            for t in handle.topics {
                s.byTopic[t]?[handle.id] = nil
                if s.byTopic[t]?.isEmpty == true { s.byTopic[t] = nil }
            }
        }
    }

    /// Whether any connection here listens on `topic` (every gateway hears every push; most are for
    /// another gateway's connections, and are dropped before they are decoded).
    func hasListeners(_ topic: String) -> Bool { state.withLock { $0.byTopic[topic] != nil } }

    /// Delivers one push to the connections it is for; returns how many got it.
    @discardableResult
    func route(topic: String, _ e: Envelope) -> Int {
        guard let listeners = state.withLock({ $0.byTopic[topic].map { Array($0.values) } }), !listeners.isEmpty,
            let (push, body) = try? UserPush.decode(e.data)
        else { return 0 }
        let head =
            "{\"type\":\(JSON.quoted(e.type)),"
            + (push.conversationId.map { "\"conversationId\":\(JSON.quoted($0))," } ?? "")
            + "\"data\":" + String(decoding: body, as: UTF8.self)
        let staffTopic = topic.hasPrefix(Topic.shopPrefix)
        var delivered = 0
        for l in listeners {
            if staffTopic { guard l.role == .staff else { continue } } else if let role = push.role, role != l.role.rawValue { continue }
            if let only = push.only, only != l.sub { continue }
            if let scope = l.order, push.orderId != scope { continue }
            l.deliver(head + ((push.unread?[l.sub] ?? push.unreadElse).map { ",\"unread\":\($0)" } ?? "") + "}")
            delivered += 1
        }
        return delivered
    }
}

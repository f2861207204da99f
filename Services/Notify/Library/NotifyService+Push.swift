import Crypto
import Foundation
import PosyAccess
import PosyCore
import PosySchema
import PosyStore
import PosyWebPush

extension NotifyService {
    /// Devices one person keeps subscribed; a new one beyond replaces the oldest.
    static let devicesPerPerson = 10

    public func registerPush(on rpc: RPCServer) {
        rpc.register(NotifyRPC.pushKey) { _, _ in try self.pushKey() }
        rpc.register(NotifyRPC.pushSubscribe) { r, viewer in try await self.subscribe(r, for: viewer) }
        rpc.register(NotifyRPC.pushSubscriptions) { _, viewer in try await self.pushSubscriptions(for: viewer) }
        rpc.register(NotifyRPC.pushUnsubscribe) { r, viewer in try await self.unsubscribe(r, for: viewer) }
    }

    /// Whose devices a caller manages: a staff member's or courier's own, or a customer's for the
    /// tracking link's order.
    struct PushOwner {
        var role: String
        var sub: String
        var order: String?
        /// A staff member's shop: their devices hear what the shop's staff hear.
        var shop: String?
    }

    static func pushOwner(_ viewer: Viewer) throws -> PushOwner {
        guard case .user(let sub, let role, let shop, let order) = viewer else {
            throw PosyError(.forbidden, "push subscriptions are for people's devices")
        }
        switch role {
        case .staff: return PushOwner(role: role.rawValue, sub: sub, order: nil, shop: shop)
        case .courier: return PushOwner(role: role.rawValue, sub: sub, order: nil)
        case .customer:
            guard let order else { throw PosyError(.forbidden, "a customer subscribes from the order's tracking link") }
            return PushOwner(role: role.rawValue, sub: sub, order: order)
        case .admin: throw PosyError(.forbidden, "push subscriptions are for staff, couriers and customers")
        }
    }

    /// `notify.push.key`: the VAPID public key.
    func pushKey() throws -> PushKey {
        guard let raw = config.vapidKey, let key = try? P256.Signing.PrivateKey(rawRepresentation: raw) else {
            throw PosyError(.unavailable, "Web Push has no key here (see posy-notify's log)")
        }
        return PushKey(publicKey: Base64URL.encode(key.publicKey.x963Representation))
    }

    /// `notify.push.subscribe`: checks the endpoint as an outbound destination and the keys as
    /// RFC 8291 keys, then keeps the subscription for the caller (the same endpoint again replaces it).
    public func subscribe(_ r: PushSubscriptionInput, for viewer: Viewer) async throws -> PushSubscription {
        let owner = try Self.pushOwner(viewer)
        guard r.endpoint.utf8.count <= 2_048, let url = URL(string: r.endpoint), let scheme = url.scheme?.lowercased(),
            url.host?.isEmpty == false, scheme == "https" || (scheme == "http" && config.allowLocalTargets)
        else {
            throw PosyError(.invalidField, "endpoint: the push service's https URL, as the browser gave it")
        }
        do throws(NetworkDestination.Refusal) {
            // Checked again, and pinned, at every send: DNS may change after this.
            _ = try await NetworkDestination.resolve(
                try NetworkDestination.host(of: r.endpoint, allowLocal: config.allowLocalTargets), allowLocal: config.allowLocalTargets,
                within: .seconds(1))
        } catch .badURL(let why) {
            throw PosyError(.invalidField, "endpoint: \(why)")
        } catch .unresolved {
            // A push service's name that does not resolve right now may later; sends fail until then.
        } catch {
            throw PosyError(.destinationNotAllowed, "endpoint: \(error.description); push services are on the public internet")
        }
        do throws(WebPushError) {
            _ = try WebPushSubscriberKeys(p256dh: r.keys.p256dh, auth: r.keys.auth)
        } catch {
            throw PosyError(.invalidField, "keys: \(error.description)")
        }
        if let t = r.expirationTime {
            guard t.isFinite, t > clock().timeIntervalSince1970 * 1000 else {
                throw PosyError(.invalidField, "expirationTime: the subscription has already ended")
            }
        }
        let subscription = PushSubscription(
            id: RecordID.make("ps"), endpoint: r.endpoint, expirationTime: r.expirationTime, orderId: owner.order,
            createdAt: Timestamp.format(clock()))
        try await store.write { db in
            // One browser's endpoint belongs to whoever subscribed on it last.
            try db.run("DELETE FROM push_subscriptions WHERE endpoint = ?", r.endpoint)
            try db.run(
                """
                INSERT INTO push_subscriptions(id, endpoint, role, sub, order_id, shop_id, p256dh, auth, expiration, created_at)
                VALUES (?,?,?,?,?,?,?,?,?,?)
                """,
                subscription.id, r.endpoint, owner.role, owner.sub, owner.order, owner.shop, r.keys.p256dh, r.keys.auth, r.expirationTime,
                subscription.createdAt)
            let extra = try db.query(
                "SELECT id FROM push_subscriptions WHERE role = ? AND sub = ? AND order_id IS ? ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ?",
                owner.role, owner.sub, owner.order, Self.devicesPerPerson)
            for row in extra { try db.run("DELETE FROM push_subscriptions WHERE id = ?", row.string(0) ?? "") }
        }
        return subscription
    }

    /// `notify.push.list`: the caller's devices, oldest first.
    public func pushSubscriptions(for viewer: Viewer) async throws -> [PushSubscription] {
        let owner = try Self.pushOwner(viewer)
        return try await store.read { db in
            try db.query(
                "SELECT id, endpoint, expiration, order_id, created_at FROM push_subscriptions WHERE role = ? AND sub = ? AND order_id IS ? ORDER BY created_at, id",
                owner.role, owner.sub, owner.order
            ).map(Self.pushSubscription)
        }
    }

    /// `notify.push.unsubscribe`: one of the caller's devices; someone else's is not found.
    public func unsubscribe(_ r: NotifyRPC.PushSubscriptionRef, for viewer: Viewer) async throws -> PushSubscription {
        let owner = try Self.pushOwner(viewer)
        return try await store.write { db in
            guard
                let found = try db.query(
                    "SELECT id, endpoint, expiration, order_id, created_at FROM push_subscriptions WHERE id = ? AND role = ? AND sub = ? AND order_id IS ?",
                    r.id, owner.role, owner.sub, owner.order
                ).first.map(Self.pushSubscription)
            else { throw PosyError(.notFound, "no push subscription \(r.id)") }
            try db.run("DELETE FROM push_subscriptions WHERE id = ?", found.id)
            return found
        }
    }

    /// The subscribed devices of whom a rule speaks to: a courier's or manager's own, the shop's
    /// staff's, the customer's for this order (subscribed from its tracking link). Ended ones are skipped.
    func pushDevices(_ db: SQLiteConnection, audience: NotifyRule.Audience, person: Person, orderId: String?) throws -> [String] {
        let now = clock().timeIntervalSince1970 * 1000
        let rows: [SQLRow]
        switch audience {
        case .courier: rows = try db.query("SELECT id, expiration FROM push_subscriptions WHERE role = 'courier' AND sub = ?", person.id)
        case .manager: rows = try db.query("SELECT id, expiration FROM push_subscriptions WHERE role = 'staff' AND sub = ?", person.id)
        case .staff:
            guard let shop = person.staffOf else { return [] }
            rows = try db.query("SELECT id, expiration FROM push_subscriptions WHERE role = 'staff' AND shop_id = ?", shop)
        case .customer:
            guard let orderId else { return [] }
            rows = try db.query(
                "SELECT id, expiration FROM push_subscriptions WHERE role = 'customer' AND sub = ? AND order_id = ?", person.id, orderId)
        case .recipient: return []
        }
        return rows.filter { ($0.double(1) ?? .infinity) > now }.compactMap { $0.string(0) }
    }

    /// Where a tap on the notification goes: the customer's tracking page, the courier's app, the console.
    /// Order ids as they are written in a link's fragment.
    static let fragmentSafe = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_"))

    /// Where a tap on the notification leads: the customer's tracking page; the courier's task
    /// (`/courier/#order=<id>`, which the app opens); the console.
    func pushLink(_ audience: NotifyRule.Audience, facts: NotifyFacts, orderId: String?) -> String {
        switch audience {
        case .customer: facts.values["trackingLink"] ?? links.publicURL
        case .courier:
            links.publicURL + "/courier/"
                + (orderId.flatMap { $0.addingPercentEncoding(withAllowedCharacters: Self.fragmentSafe) }.map { "#order=" + $0 } ?? "")
        default: links.publicURL + "/console/"
        }
    }

    static func pushSubscription(_ r: SQLRow) -> PushSubscription {
        PushSubscription(
            id: r.string(0) ?? "", endpoint: r.string(1) ?? "", expirationTime: r.double(2), orderId: r.string(3),
            createdAt: r.string(4) ?? "")
    }
}

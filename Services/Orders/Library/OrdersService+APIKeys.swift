import Foundation
import PosyAccess
import PosyAuth
import PosyCore
import PosySchema
import PosyStore

/// API keys for a shop's own systems (docs/protocol.md, "API keys"): `posy_<id>_<secret>`, stored
/// as the secret's SHA-256, revocable, with the time of last use.
extension OrdersService {
    /// How often a key's last use is written (a busy key would otherwise write on every call).
    static let lastUsedResolution: TimeInterval = 60

    public func createKey(_ r: PeopleRPC.KeyRequest, for viewer: Viewer) async throws -> APIKey {
        let name = r.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 100 else { throw PosyError(.invalidField, "name: 1–100 characters") }
        let scopes = Array(Set(r.scopes)).sorted { $0.rawValue < $1.rawValue }
        guard !scopes.isEmpty else { throw PosyError(.invalidField, "scopes: at least one of orders:read, orders:write, webhooks") }
        let secret = AccessSecret.make()
        var key = APIKey(
            id: Self.newId("ak"), shopId: r.shopId, name: name, scopes: scopes, createdAt: now, createdBy: viewer.actor)
        let stored = key
        try await store.write { db in
            guard try self.isManager(viewer, of: r.shopId, db) else {
                throw PosyError(.forbidden, "only an admin or a manager of the shop manages API keys")
            }
            try db.run(
                "INSERT INTO api_keys(id, shop_id, secret_hash, body, revoked_at) VALUES (?, ?, ?, ?, NULL)", stored.id,
                stored.shopId, AccessSecret.hash(secret), try JSON.encode(stored))
        }
        key.key = "\(APIKey.prefix)\(key.id)_\(secret)"
        return key
    }

    public func keys(shop: String, for viewer: Viewer) async throws -> [APIKey] {
        try await store.read { db in
            guard try self.isManager(viewer, of: shop, db) else { throw PosyError(.forbidden, "API keys are for managers") }
            return try db.query("SELECT body FROM api_keys WHERE shop_id = ? ORDER BY id", shop).map {
                try JSON.decode(APIKey.self, from: $0.data(0) ?? Data())
            }
        }
    }

    /// Revokes a key: every later call with it gets 401, and the gateway drops what it cached on
    /// `fleet.access.ended`.
    public func revokeKey(_ id: String, shop: String, by viewer: Viewer) async throws -> APIKey {
        let stamp = now
        let events = self.events
        return try await store.write { db in
            guard try self.isManager(viewer, of: shop, db) else { throw PosyError(.forbidden, "API keys are for managers") }
            guard let body = try db.queryOne("SELECT body FROM api_keys WHERE id = ? AND shop_id = ?", id, shop)?.data(0) else {
                throw PosyError(.notFound, "no API key \(id)")
            }
            var key = try JSON.decode(APIKey.self, from: body)
            guard key.revokedAt == nil else { return key }
            key.revokedAt = stamp
            try db.run("UPDATE api_keys SET body = ?, revoked_at = ? WHERE id = ?", try JSON.encode(key), stamp, id)
            try events.emit(db, OrdersEvents.accessEnded, AccessEnded(shopId: shop, apiKeys: [id], reason: "revoked", at: stamp))
            return key
        }
    }

    /// The live key a bearer value names, its last use recorded (at most once a minute).
    public func verifyKey(_ value: String) async throws -> APIKey {
        let refused = PosyError(.unauthorized, "the API key is not valid or was revoked")
        guard value.hasPrefix(APIKey.prefix) else { throw refused }
        let parts = value.dropFirst(APIKey.prefix.count).split(separator: "_", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count <= 40, AccessSecret.isWellFormed(parts[1]) else { throw refused }
        let id = String(parts[0])
        let hash = AccessSecret.hash(String(parts[1]))
        let key = try await store.read { db -> APIKey? in
            guard let row = try db.queryOne("SELECT secret_hash, body FROM api_keys WHERE id = ? AND revoked_at IS NULL", id),
                row.data(0) == hash, let body = row.data(1)
            else { return nil }
            return try JSON.decode(APIKey.self, from: body)
        }
        guard var key else { throw refused }
        let current = clock()
        if key.lastUsedAt.flatMap(Timestamp.parse).map({ current.timeIntervalSince($0) >= Self.lastUsedResolution }) ?? true {
            key.lastUsedAt = Timestamp.format(current)
            let updated = key
            try await store.write { db in
                try db.run("UPDATE api_keys SET body = ? WHERE id = ? AND revoked_at IS NULL", try JSON.encode(updated), updated.id)
            }
        }
        return key
    }
}

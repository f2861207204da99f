import Foundation
import PosyAccess
import PosyAuth
import PosyCore
import PosySchema
import PosyStore

/// People, sign-in links and sessions (docs/protocol.md, "Sign-in and sessions"). posy-orders is
/// where a shop's people live, next to its couriers; the gateway mints the short-lived tokens
/// for the sessions opened here and asks here whether a session still stands.
extension OrdersService {
    /// How long a refresh credential works.
    static let sessionLifetime: TimeInterval = 30 * 86_400
    static let defaultInviteLifetime = 86_400
    static let maxInviteLifetime = 7 * 86_400

    /// Whether `viewer` manages `shop`: an admin, or a manager of the shop who was not removed.
    func isManager(_ viewer: Viewer, of shop: String, _ db: SQLiteConnection) throws -> Bool {
        guard case .user(let sub, let role, let s, _) = viewer else { return false }
        if role == .admin { return true }
        guard role == .staff, s == shop else { return false }
        return try db.queryOne(
            "SELECT 1 FROM people WHERE id = ? AND shop_id = ? AND role = 'manager' AND removed_at IS NULL", sub, shop) != nil
    }

    /// A sign-in link for a new person (or a courier's link again): admins and the shop's managers.
    public func invite(_ r: PeopleRPC.InviteRequest, for viewer: Viewer) async throws -> Invite {
        let name = r.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 100 else { throw PosyError(.invalidField, "name: 1–100 characters") }
        let ttl = r.ttlSeconds ?? Self.defaultInviteLifetime
        guard (60...Self.maxInviteLifetime).contains(ttl) else {
            throw PosyError(.invalidField, "ttlSeconds: 60–\(Self.maxInviteLifetime)")
        }
        guard (r.role == .courier) == (r.courierId != nil) else {
            throw PosyError(.invalidField, "courierId: required for a courier, and only for a courier")
        }
        let code = AccessSecret.make()
        let now = clock()
        let stamp = Timestamp.format(now)
        let expires = now.addingTimeInterval(TimeInterval(ttl))
        let person = try await store.write { db -> Person in
            guard try db.queryOne("SELECT 1 FROM shops WHERE id = ?", r.shopId) != nil else {
                throw PosyError(.notFound, "no shop \(r.shopId)")
            }
            guard try self.isManager(viewer, of: r.shopId, db) else {
                throw PosyError(.forbidden, "only an admin or a manager of the shop invites people")
            }
            var person = Person(id: Self.newId("p"), shopId: r.shopId, role: r.role, name: name, createdAt: stamp)
            if let courierId = r.courierId {
                guard try db.queryOne("SELECT 1 FROM couriers WHERE id = ? AND shop_id = ?", courierId, r.shopId) != nil else {
                    throw PosyError(.invalidField, "courierId: no courier \(courierId) in shop \(r.shopId)")
                }
                // A courier signs in as themselves: their person is their courier id, invited again
                // when a phone is lost or after they were removed.
                if let row = try db.queryOne("SELECT body FROM people WHERE id = ?", courierId), let body = row.data(0) {
                    person = try JSON.decode(Person.self, from: body)
                    person.removedAt = nil
                    person.name = name
                } else {
                    person.id = courierId
                }
                person.courierId = courierId
            }
            try db.run(
                "INSERT INTO people(id, shop_id, role, body, removed_at) VALUES (?, ?, ?, ?, NULL) "
                    + "ON CONFLICT(id) DO UPDATE SET body = excluded.body, removed_at = NULL",
                person.id, person.shopId, person.role.rawValue, try JSON.encode(person))
            try db.run(
                "INSERT INTO invites(code_hash, person_id, expires_at, created_at) VALUES (?, ?, ?, ?)",
                AccessSecret.hash(code), person.id, expires.timeIntervalSince1970, stamp)
            return person
        }
        return Invite(code: code, person: person, expiresAt: Timestamp.format(expires))
    }

    /// The shop's people (removed ones too, with `removedAt`): staff of the shop.
    public func people(shop: String, for viewer: Viewer) async throws -> [Person] {
        guard viewer.isStaff(of: shop) else { throw PosyError(.notFound, "no shop \(shop)") }
        return try await store.read { db in
            try db.query("SELECT body FROM people WHERE shop_id = ? ORDER BY id", shop).map {
                try JSON.decode(Person.self, from: $0.data(0) ?? Data())
            }
        }
    }

    /// Removes a person: their open invitations and every session end now, and the gateway hears
    /// it from `fleet.access.ended` within the bus's latency.
    public func removePerson(_ id: String, shop: String, by viewer: Viewer) async throws -> Person {
        let stamp = now
        let events = self.events
        return try await store.write { db in
            guard try self.isManager(viewer, of: shop, db) else {
                throw PosyError(.forbidden, "only an admin or a manager of the shop removes people")
            }
            guard let body = try db.queryOne("SELECT body FROM people WHERE id = ? AND shop_id = ?", id, shop)?.data(0) else {
                throw PosyError(.notFound, "no person \(id) in shop \(shop)")
            }
            var person = try JSON.decode(Person.self, from: body)
            guard person.removedAt == nil else { return person }
            person.removedAt = stamp
            try db.run("UPDATE people SET body = ?, removed_at = ? WHERE id = ?", try JSON.encode(person), stamp, id)
            try db.run("DELETE FROM invites WHERE person_id = ?", id)
            let sessions = try db.query("SELECT id FROM sessions WHERE person_id = ? AND ended_at IS NULL", id).compactMap {
                $0.string(0)
            }
            try db.run("UPDATE sessions SET ended_at = ? WHERE person_id = ? AND ended_at IS NULL", stamp, id)
            try events.emit(db, OrdersEvents.accessEnded, AccessEnded(shopId: shop, sessions: sessions, reason: "removed", at: stamp))
            return person
        }
    }

    /// Opens a session with a sign-in code, which is used up. Unknown, used and expired codes read
    /// alike (`unauthorized`): the reply tells a guesser nothing.
    public func openSession(code: String) async throws -> SessionGrant {
        guard AccessSecret.isWellFormed(code) else { throw PosyError(.unauthorized, "the sign-in link is not valid") }
        let now = clock()
        let stamp = Timestamp.format(now)
        let sid = Self.newId("ss")
        let secret = AccessSecret.make()
        let expires = now.addingTimeInterval(Self.sessionLifetime)
        return try await store.write { db in
            guard
                let row = try db.queryOne(
                    "SELECT person_id, expires_at FROM invites WHERE code_hash = ? AND used_at IS NULL", AccessSecret.hash(code)),
                let personId = row.string(0), let until = row.double(1), until > now.timeIntervalSince1970,
                var person = try self.person(personId, db), person.removedAt == nil
            else { throw PosyError(.unauthorized, "the sign-in link is not valid, was used, or has expired") }
            try db.run("UPDATE invites SET used_at = ? WHERE code_hash = ?", stamp, AccessSecret.hash(code))
            if person.joinedAt == nil {
                person.joinedAt = stamp
                try db.run("UPDATE people SET body = ? WHERE id = ?", try JSON.encode(person), person.id)
            }
            try db.run(
                "INSERT INTO sessions(id, person_id, refresh_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)", sid,
                person.id, AccessSecret.hash(secret), stamp, expires.timeIntervalSince1970)
            return SessionGrant(
                sid: sid, refresh: "\(sid).\(secret)", person: person, manager: person.role == .manager,
                expiresAt: Timestamp.format(expires))
        }
    }

    /// The session a refresh credential (`<sid>.<secret>`) belongs to, while it stands.
    public func refreshSession(_ credential: String) async throws -> SessionGrant {
        let parts = credential.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count <= 40, AccessSecret.isWellFormed(parts[1]) else {
            throw PosyError(.unauthorized, "the session is not valid")
        }
        let sid = String(parts[0])
        let now = clock().timeIntervalSince1970
        return try await store.read { db in
            guard
                let row = try db.queryOne(
                    "SELECT person_id, refresh_hash, expires_at FROM sessions WHERE id = ? AND ended_at IS NULL", sid),
                row.data(1) == AccessSecret.hash(String(parts[1])), let until = row.double(2), until > now,
                let person = try self.person(row.string(0) ?? "", db), person.removedAt == nil
            else { throw PosyError(.unauthorized, "the session has ended; sign in again") }
            return SessionGrant(
                sid: sid, refresh: nil, person: person, manager: person.role == .manager,
                expiresAt: Timestamp.format(Date(timeIntervalSince1970: until)))
        }
    }

    /// Signs out: ends the caller's own session `sid`.
    public func endSession(_ sid: String, by viewer: Viewer) async throws -> AccessEnded {
        guard case .user(let sub, _, _, _) = viewer else { throw PosyError(.forbidden, "sign-out is for people") }
        let stamp = now
        let events = self.events
        return try await store.write { db in
            guard
                let row = try db.queryOne(
                    "SELECT s.ended_at, p.shop_id FROM sessions s JOIN people p ON p.id = s.person_id WHERE s.id = ? AND s.person_id = ?",
                    sid, sub),
                let shop = row.string(1)
            else { throw PosyError(.notFound, "no session \(sid)") }
            let ended = AccessEnded(shopId: shop, sessions: [sid], reason: "signed_out", at: stamp)
            guard row.string(0) == nil else { return ended }
            try db.run("UPDATE sessions SET ended_at = ? WHERE id = ?", stamp, sid)
            try events.emit(db, OrdersEvents.accessEnded, ended)
            return ended
        }
    }

    /// Which of `check`'s sessions and API keys no longer grant access (ended, expired, unknown).
    public func endedAccess(_ check: PeopleRPC.AccessCheck) async throws -> PeopleRPC.AccessCheck {
        guard check.sessions.count + check.apiKeys.count <= 1_000 else { throw PosyError(.badRequest, "at most 1000 ids") }
        let now = clock().timeIntervalSince1970
        return try await store.read { db in
            let sessions = try check.sessions.filter { sid in
                // A tracking link stands while it is its order's live generation.
                if let link = TrackingLink.parse(sid) {
                    guard let order = try Self.load(db, link.order) else { return true }
                    return (order.linkGeneration ?? 0) != link.generation
                }
                return try db.queryOne("SELECT 1 FROM sessions WHERE id = ? AND ended_at IS NULL AND expires_at > ?", sid, now) == nil
            }
            let keys = try check.apiKeys.filter { id in
                try db.queryOne("SELECT 1 FROM api_keys WHERE id = ? AND revoked_at IS NULL", id) == nil
            }
            return PeopleRPC.AccessCheck(sessions: sessions, apiKeys: keys)
        }
    }

    func person(_ id: String, _ db: SQLiteConnection) throws -> Person? {
        try db.queryOne("SELECT body FROM people WHERE id = ?", id)?.data(0).map { try JSON.decode(Person.self, from: $0) }
    }
}

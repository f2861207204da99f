import Foundation
import PosyAccess
import PosyCore
import PosySchema
import PosyStore

extension NotifyService {
    public func register(on rpc: RPCServer) {
        rpc.register(NotifyRPC.inbox) { r, viewer in try await self.inbox(r, for: viewer) }
        rpc.register(NotifyRPC.read) { r, viewer in try await self.markRead(r, for: viewer) }
        rpc.register(NotifyRPC.preferences) { r, viewer in try await self.preferences(r, for: viewer) }
        rpc.register(NotifyRPC.shopSettings) { r, viewer in try await self.shopSettings(r, for: viewer) }
        rpc.register(NotifyRPC.callNumber) { r, viewer in try await self.callNumber(r, for: viewer) }
        registerWebhooks(on: rpc)
        registerPush(on: rpc)
    }

    /// The inboxes a caller reads: their own, and a staff member's shop's shared one.
    static func inboxes(_ viewer: Viewer) throws -> [String] {
        guard case .user(let sub, let role, let shop, let scope) = viewer else { throw PosyError(.forbidden, "people read inboxes") }
        if scope != nil { throw PosyError(.sessionRequired, "a tracking link has no inbox: the customer's own sign-in has") }
        if role == .staff, let shop { return [sub, "shop:\(shop)"] }
        return [sub]
    }

    static let columns = "id, event, template, order_id, locale, title, body, priority, link, at, read_at"

    static func notification(_ r: SQLRow) -> InboxNotification {
        InboxNotification(
            id: r.int(0) ?? 0, event: r.string(1) ?? "", template: r.string(2) ?? "", orderId: r.string(3),
            locale: r.string(4) ?? "en", title: r.string(5) ?? "", body: r.string(6) ?? "",
            priority: NotifyPriority(rawValue: r.string(7) ?? "") ?? .normal, link: r.string(8), at: r.string(9) ?? "",
            readAt: r.string(10))
    }

    /// `notify.inbox`: newest first, 50 a page (at most 200).
    public func inbox(_ r: NotifyRPC.InboxRequest, for viewer: Viewer) async throws -> InboxPage {
        let people = try Self.inboxes(viewer)
        let limit = r.limit ?? 50
        guard (1...200).contains(limit) else { throw PosyError(.invalidField, "limit: 1 to 200") }
        let marks = people.map { _ in "?" }.joined(separator: ",")
        return try await store.read { db in
            var values: [SQLValue] = people.map { .text($0) }
            var sql = "SELECT \(Self.columns) FROM inbox WHERE person IN (\(marks))"
            if let before = r.before {
                sql += " AND id < ?"
                values.append(.int(before))
            }
            if r.unreadOnly == true { sql += " AND read_at IS NULL" }
            sql += " ORDER BY id DESC LIMIT \(limit + 1)"
            var rows = try db.query(sql, values).map(Self.notification)
            let more = rows.count > limit
            if more { rows.removeLast() }
            let unread =
                try db.query(
                    "SELECT count(*) FROM inbox WHERE person IN (\(marks)) AND read_at IS NULL",
                    people.map { .text($0) }
                ).first?.int(0) ?? 0
            return InboxPage(notifications: rows, unread: Int(unread), next: more ? rows.last?.id : nil)
        }
    }

    /// `notify.read`: marks one of the caller's notifications read (again: no change).
    public func markRead(_ r: NotifyRPC.ReadRequest, for viewer: Viewer) async throws -> InboxNotification {
        let people = try Self.inboxes(viewer)
        let now = Timestamp.format(clock())
        return try await store.write { db in
            guard let row = try db.queryOne("SELECT person FROM inbox WHERE id = ?", r.id), let person = row.string(0),
                people.contains(person)
            else {
                throw PosyError(.notFound, "no notification \(r.id)")
            }
            _ = try db.run("UPDATE inbox SET read_at = ? WHERE id = ? AND read_at IS NULL", now, r.id)
            return Self.notification(try db.queryOne("SELECT \(Self.columns) FROM inbox WHERE id = ?", r.id)!)
        }
    }

    /// `notify.preferences`: reads, or sets what is given of, the caller's own preferences.
    public func preferences(_ r: NotifyRPC.PreferencesRequest, for viewer: Viewer) async throws -> NotifyPreferences {
        if viewer.isTrackingLink {
            throw PosyError(.sessionRequired, "preferences need the customer's own sign-in, not a tracking link")
        }
        guard case .user(let sub, _, _, nil) = viewer else { throw PosyError(.forbidden, "people have preferences") }
        if let set = r.set { try Self.validate(set) }
        return try await store.write { db in
            var p = try self.preferences(db, sub) ?? NotifyPreferences()
            if let set = r.set {
                p.locale = set.locale ?? p.locale
                p.quietStart = set.quietStart ?? p.quietStart
                p.quietEnd = set.quietEnd ?? p.quietEnd
                p.timeZone = set.timeZone ?? p.timeZone
                p.phone = set.phone ?? p.phone
                p.email = set.email ?? p.email
                try db.run(
                    """
                    INSERT INTO people(id, locale, quiet_start, quiet_end, time_zone, phone, email) VALUES (?,?,?,?,?,?,?)
                    ON CONFLICT(id) DO UPDATE SET locale = excluded.locale, quiet_start = excluded.quiet_start,
                      quiet_end = excluded.quiet_end, time_zone = excluded.time_zone, phone = excluded.phone, email = excluded.email
                    """, sub, p.locale, p.quietStart, p.quietEnd, p.timeZone, p.phone, p.email)
            }
            return p
        }
    }

    static func validate(_ p: NotifyPreferences) throws {
        if let l = p.locale, !NotifyTemplate.locales.contains(l) {
            throw PosyError(.invalidField, "locale: one of \(NotifyTemplate.locales.joined(separator: ", "))")
        }
        for (name, v) in [("quietStart", p.quietStart), ("quietEnd", p.quietEnd)] where v != nil && minutes(v) == nil {
            throw PosyError(.invalidField, "\(name): HH:mm, e.g. 22:00")
        }
        if let tz = p.timeZone, TimeZone(identifier: tz) == nil {
            throw PosyError(.invalidField, "timeZone: an IANA zone, e.g. Asia/Shanghai")
        }
        if let e = p.email, !EmailAddress.isValid(e) {
            throw PosyError(.invalidField, "email: a plain address like name@example.com (no spaces, quotes, brackets or line breaks)")
        }
        if let ph = p.phone, !PhoneNumber.isValid(ph) {
            throw PosyError(.invalidField, "phone: 3–20 digits, an optional leading +, spaces, -, ( and )")
        }
    }

    /// `notify.shop.settings`: the shop's manager and SMS escalation; staff of the shop read, admins and staff set.
    public func shopSettings(_ r: NotifyRPC.ShopSettingsRequest, for viewer: Viewer) async throws -> ShopNotifySettings {
        guard viewer.isStaff(of: r.shopId) else { throw PosyError(.notFound, "no shop \(r.shopId)") }
        if let set = r.set {
            if let manager = set.managerId, manager.isEmpty || manager.count > 128 {
                throw PosyError(.invalidField, "managerId: a user id")
            }
            if let after = set.assignmentSmsAfter, !(0...3600).contains(after) {
                throw PosyError(.invalidField, "assignmentSmsAfter: seconds from 0 to 3600")
            }
            if let hours = set.maskedCallHours, !(1...168).contains(hours) {
                throw PosyError(.invalidField, "maskedCallHours: hours from 1 to 168")
            }
        }
        return try await store.write { db in
            if let set = r.set,
                set.managerId != nil || set.assignmentSmsAfter != nil || set.smsWithoutPush != nil || set.maskedCallHours != nil
            {
                // A shop posy-notify has not heard of yet gets a placeholder name until its fleet.shop event.
                try db.run("INSERT INTO shops(id, name, time_zone) VALUES (?, ?, 'UTC') ON CONFLICT(id) DO NOTHING", r.shopId, r.shopId)
                try db.run(
                    """
                    UPDATE shops SET manager_id = coalesce(?, manager_id), assignment_sms_after = coalesce(?, assignment_sms_after),
                    sms_without_push = coalesce(?, sms_without_push), masked_call_hours = coalesce(?, masked_call_hours) WHERE id = ?
                    """, set.managerId, set.assignmentSmsAfter, set.smsWithoutPush.map { $0 ? 1 : 0 }, set.maskedCallHours, r.shopId)
            }
            return try self.loadShop(db, r.shopId)?.settings ?? ShopInfo(id: r.shopId, name: r.shopId, timeZone: "UTC").settings
        }
    }
}

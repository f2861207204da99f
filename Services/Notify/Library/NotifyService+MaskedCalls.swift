import Foundation
import PosyAccess
import PosySchema
import PosyStore

/// Masked numbers (docs/protocol.md, "Masked numbers"): the courier's Call goes through the
/// operator's provider, which binds the courier's phone to the recipient's behind a number of its
/// own, so the courier never learns the recipient's. The binding ends when the order closes plus the
/// shop's hours; until the order closes, at the window's end plus those hours.
extension NotifyService {
    /// The states in which the assigned courier may call the recipient.
    static let callableStates: Set<OrderState> = [.assigned, .accepted, .pickedUp, .outForDelivery, .arriving, .delivered]

    /// What a binding's id may keep as it is in the provider's URL (RFC 3986 unreserved).
    static let bindingIdSafe = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// The provider's answer to a new binding.
    struct Binding: Decodable {
        var id: String
        var number: String
    }

    /// `notify.calls.number`: the order's assigned courier gets the number to dial (the same one again
    /// while it lasts).
    public func callNumber(_ r: OrderRef, for viewer: Viewer) async throws -> MaskedNumber {
        guard let url = config.maskedCallURL else {
            throw PosyError(.conflict, "no masked-number provider is configured: the app calls the recipient's own number")
        }
        guard case .user(let courierId, .courier, _, _) = viewer else {
            throw PosyError(.forbidden, "the assigned courier calls the recipient")
        }
        let now = clock()
        let found = try await store.read { db -> (Order?, String?, MaskedNumber?, Int) in
            let order = try self.loadOrder(db, r.orderId)
            let phone = try db.queryOne("SELECT phone FROM couriers WHERE id = ?", courierId)?.string(0)
            let kept = try db.queryOne(
                "SELECT number, expires_at FROM masked_calls WHERE order_id = ? AND courier_id = ? AND expires_at > ?", r.orderId,
                courierId, now.timeIntervalSince1970
            ).map {
                MaskedNumber(
                    orderId: r.orderId, number: $0.string(0) ?? "",
                    expiresAt: Timestamp.format(Date(timeIntervalSince1970: $0.double(1) ?? 0)))
            }
            let hours = try order.flatMap { try self.loadShop(db, $0.shopId) }?.maskedCallHours ?? ShopNotifySettings.defaultMaskedCallHours
            return (order, phone, kept, hours)
        }
        let (order, courierPhone, kept, hours) = found
        guard let order, order.courierId == courierId, Self.callableStates.contains(order.state) else {
            throw PosyError(.notFound, "no order \(r.orderId) of yours under way")
        }
        if let kept { return kept }
        guard let recipientPhone = order.recipient?.phone, PhoneNumber.isValid(recipientPhone) else {
            throw PosyError(.conflict, "the order has no recipient's phone to call")
        }
        guard let courierPhone, PhoneNumber.isValid(courierPhone) else {
            throw PosyError(.conflict, "your phone number is not on record: ask the shop")
        }
        let windowEnd = Timestamp.parse(order.window.end) ?? now
        let expires = max(now, windowEnd).addingTimeInterval(Double(hours) * 3600)
        let request = try JSON.encode([
            "a": courierPhone, "b": recipientPhone, "expiresAt": Timestamp.format(expires), "reference": order.id,
        ])
        let http = OutboundHTTP(timeout: config.httpTimeout, allowLocal: true, logger: logger)
        let answer: (status: Int, body: Data)
        do {
            answer = try await http.exchange(
                .POST, url, body: request, contentType: "application/json", checked: false, headers: [], keep: 16 * 1024)
        } catch .timeout {
            throw PosyError(.timeout, "the masked-number provider did not answer in time")
        } catch {
            throw PosyError(.unavailable, "the masked-number provider could not be reached (\(error))")
        }
        guard (200..<300).contains(answer.status), let binding = try? JSON.decode(Binding.self, from: answer.body),
            !binding.id.isEmpty, binding.id.utf8.count <= 128, PhoneNumber.isValid(binding.number)
        else {
            logger.warning("masked-number provider refused", metadata: ["status": "\(answer.status)"])
            throw PosyError(.unavailable, "the masked-number provider answered \(answer.status) without a number")
        }
        try await store.write { db in
            try db.run(
                """
                INSERT INTO masked_calls(order_id, courier_id, binding_id, number, expires_at) VALUES (?,?,?,?,?)
                ON CONFLICT(order_id, courier_id) DO UPDATE SET binding_id = excluded.binding_id, number = excluded.number,
                  expires_at = excluded.expires_at, closed_at = NULL
                """, order.id, courierId, binding.id, binding.number, expires.timeIntervalSince1970)
        }
        metrics.increment("masked_calls_bound")
        return MaskedNumber(orderId: order.id, number: binding.number, expiresAt: Timestamp.format(expires))
    }

    /// The order closed: each of its bindings ends the shop's hours from now, told to the provider
    /// after the commit (`PATCH <url>/<binding>`). Should that call fail, the binding still ends at
    /// the expiry it was made with.
    func closeMaskedCalls(_ db: SQLiteConnection, _ order: Order) throws {
        guard let url = config.maskedCallURL else { return }
        let rows = try db.query("SELECT binding_id FROM masked_calls WHERE order_id = ? AND closed_at IS NULL", order.id)
        guard !rows.isEmpty else { return }
        let now = clock()
        let hours = try loadShop(db, order.shopId)?.maskedCallHours ?? ShopNotifySettings.defaultMaskedCallHours
        let expires = now.addingTimeInterval(Double(hours) * 3600)
        try db.run(
            "UPDATE masked_calls SET closed_at = ?, expires_at = min(expires_at, ?) WHERE order_id = ? AND closed_at IS NULL",
            now.timeIntervalSince1970, expires.timeIntervalSince1970, order.id)
        let bindings = rows.compactMap { $0.string(0) }
        let http = OutboundHTTP(timeout: config.httpTimeout, allowLocal: true, logger: logger)
        let body = (try? JSON.encode(["expiresAt": Timestamp.format(expires)])) ?? Data()
        let logger = self.logger
        db.onCommit {
            Task {
                for id in bindings {
                    let target =
                        (url.hasSuffix("/") ? url : url + "/") + (id.addingPercentEncoding(withAllowedCharacters: Self.bindingIdSafe) ?? id)
                    do {
                        let answer = try await http.exchange(
                            .PATCH, target, body: body, contentType: "application/json", checked: false, headers: [], keep: 0)
                        if !(200..<300).contains(answer.status) {
                            logger.warning("masked-number provider kept a binding", metadata: ["status": "\(answer.status)"])
                        }
                    } catch {
                        logger.warning("masked-number provider not told of the close", metadata: ["error": "\(error)"])
                    }
                }
            }
        }
    }
}

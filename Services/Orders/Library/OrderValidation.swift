import Foundation
import PosySchema

/// Field checks of a new order: each failure is `invalid_field` (422) naming the field.
public enum OrderValidation {
    public static func validate(_ o: NewOrder) throws(PosyError) {
        func bad(_ field: String, _ why: String) -> PosyError { PosyError(.invalidField, "\(field): \(why)") }
        if o.shopId.isEmpty { throw bad("shopId", "required") }
        if o.customer.id.isEmpty || o.customer.name.trimmingCharacters(in: .whitespaces).isEmpty {
            throw bad("customer", "id and name are required")
        }
        let r = o.recipient
        if r.name.trimmingCharacters(in: .whitespaces).isEmpty { throw bad("recipient.name", "required") }
        guard let address = r.address, !address.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw bad("recipient.address", "required")
        }
        guard let lat = r.lat, lat.isFinite, (-90...90).contains(lat) else { throw bad("recipient.lat", "must be -90…90") }
        guard let lon = r.lon, lon.isFinite, (-180...180).contains(lon) else { throw bad("recipient.lon", "must be -180…180") }
        if o.items.isEmpty { throw bad("items", "at least one item") }
        for item in o.items where item.name.isEmpty || item.quantity < 1 || item.quantity > 10_000 {
            throw bad("items", "each item needs a name and a quantity of 1…10000")
        }
        if let card = o.cardMessage, card.count > 2_000 { throw bad("cardMessage", "at most 2000 characters") }
        if let notes = o.notes, notes.count > 4_000 { throw bad("notes", "at most 4000 characters") }
        if let d = o.dropOff {
            let text = d.description.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty || text.count > 500 { throw bad("dropOff.description", "1–500 characters: which neighbour, or where") }
        }
        guard let start = Timestamp.parse(o.window.start) else { throw bad("window.start", "not an RFC 3339 time") }
        guard let end = Timestamp.parse(o.window.end) else { throw bad("window.end", "not an RFC 3339 time") }
        if end <= start { throw bad("window", "end must be after start") }
        if let s = o.sender, s.anonymous == false, (s.name ?? "").isEmpty { throw bad("sender.name", "required unless anonymous") }
        for (field, phone) in [("customer.phone", o.customer.phone), ("recipient.phone", r.phone), ("sender.phone", o.sender?.phone)] {
            if let phone, !PhoneNumber.isValid(phone) { throw bad(field, "3–20 digits, an optional leading +, spaces, -, ( and )") }
        }
    }
}

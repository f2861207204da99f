/// The customer's answer to a delivery: `POST /v1/orders/{id}/confirmation`.
/// `{"ok": true}` confirms; `{"ok": false, "reason", "note", "mediaIds"}` disputes.
public struct ConfirmationInput: Codable, Sendable, Equatable {
    public var ok: Bool
    public var reason: DisputeReason?
    public var note: String?
    public var mediaIds: [String]?

    public init(ok: Bool, reason: DisputeReason? = nil, note: String? = nil, mediaIds: [String]? = nil) {
        self.ok = ok
        self.reason = reason
        self.note = note
        self.mediaIds = mediaIds
    }
}

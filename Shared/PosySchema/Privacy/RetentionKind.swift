/// The kinds of personal data Posy keeps for a limited time (docs/operations.md, "Retention").
public enum RetentionKind: String, Codable, Sendable, CaseIterable {
    /// Couriers' position tracks (posy-location).
    case positions
    /// Customers', recipients' and senders' phones and addresses, and the door's position (every store, from posy-orders).
    case contact
    /// Chat text, shared places and the media they name (posy-messaging).
    case chat
    /// Photos, signatures, voice notes and videos (posy-receipts).
    case media
    /// The notification inbox and the SMS, e-mail and webhook delivery log (posy-notify).
    case notifications
    /// Published events kept for replay (every store).
    case outbox
}

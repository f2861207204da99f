/// A browser's push subscription as `PushSubscription.toJSON()` gives it (Push API): where to send,
/// until when, and the keys messages are encrypted to (RFC 8291).
public struct PushSubscriptionInput: Codable, Sendable, Equatable {
    public struct Keys: Codable, Sendable, Equatable {
        /// The browser's P-256 public key, uncompressed, base64url.
        public var p256dh: String
        /// Its 16-byte authentication secret, base64url.
        public var auth: String

        public init(p256dh: String, auth: String) {
            self.p256dh = p256dh
            self.auth = auth
        }
    }

    public var endpoint: String
    /// Milliseconds since 1970 when the push service ends the subscription; nil: not said.
    public var expirationTime: Double?
    public var keys: Keys

    public init(endpoint: String, expirationTime: Double? = nil, keys: Keys) {
        self.endpoint = endpoint
        self.expirationTime = expirationTime
        self.keys = keys
    }
}

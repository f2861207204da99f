/// The application server key pages subscribe with (`applicationServerKey`): the suite's VAPID
/// public key, uncompressed P-256, base64url.
public struct PushKey: Codable, Sendable, Equatable {
    public var publicKey: String

    public init(publicKey: String) { self.publicKey = publicKey }
}

/// One link of an order's evidence chain. `hash` = SHA-256 over `prevHash` (hex, empty
/// for the first record), a newline, and `body` — the record's canonical JSON (sorted keys, no
/// insignificant whitespace) exactly as stored.
public struct EvidenceRecord: Codable, Sendable, Equatable {
    public var orderId: String
    /// 1, 2, 3… per order.
    public var n: Int
    /// `media`, `proof`, `confirmation`, `dispute`, `purge`.
    public var kind: String
    public var at: String
    public var body: String
    public var prevHash: String
    public var hash: String

    public init(orderId: String, n: Int, kind: String, at: String, body: String, prevHash: String, hash: String) {
        self.orderId = orderId
        self.n = n
        self.kind = kind
        self.at = at
        self.body = body
        self.prevHash = prevHash
        self.hash = hash
    }
}

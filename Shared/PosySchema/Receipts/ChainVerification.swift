/// The result of re-hashing an order's evidence chain.
public struct ChainVerification: Codable, Sendable, Equatable {
    public struct Mismatch: Codable, Sendable, Equatable {
        public var n: Int
        public var kind: String
        public var reason: String

        public init(n: Int, kind: String, reason: String) {
            self.n = n
            self.kind = kind
            self.reason = reason
        }
    }

    public var orderId: String
    public var ok: Bool
    public var records: Int
    /// The last record's hash (the chain's head), when there is one.
    public var head: String?
    /// The first record that does not match, when one does not.
    public var firstMismatch: Mismatch?
    /// Whether the chain's sealed head (its count and last hash) was checked against its seal; false
    /// when the verifier had no suite secret (count and hash were still compared).
    public var sealChecked: Bool?

    public init(orderId: String, ok: Bool, records: Int, head: String?, firstMismatch: Mismatch?, sealChecked: Bool? = nil) {
        self.sealChecked = sealChecked
        self.orderId = orderId
        self.ok = ok
        self.records = records
        self.head = head
        self.firstMismatch = firstMismatch
    }
}

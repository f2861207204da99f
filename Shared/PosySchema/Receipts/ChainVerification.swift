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

    /// A personal field of a record whose value was erased (docs/architecture.md, "Privacy").
    public struct ErasedField: Codable, Sendable, Equatable {
        public var n: Int
        public var kind: String?
        /// Where it was in the record, as a JSON pointer (`/recipientName`, `/photos/0/photo/lat`).
        public var field: String
        public var at: String
        public var requestId: String

        public init(n: Int, kind: String? = nil, field: String, at: String, requestId: String) {
            self.n = n
            self.kind = kind
            self.field = field
            self.at = at
            self.requestId = requestId
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
    /// Personal fields erased from the records, which verify without them; nil when none were
    /// erased or the kept values were not checked.
    public var erased: [ErasedField]?

    public init(orderId: String, ok: Bool, records: Int, head: String?, firstMismatch: Mismatch?, sealChecked: Bool? = nil) {
        self.sealChecked = sealChecked
        self.orderId = orderId
        self.ok = ok
        self.records = records
        self.head = head
        self.firstMismatch = firstMismatch
    }
}

/// What waits for a shop's staff, for a console that opens after it happened: exceptions not yet
/// resolved and customers' changes awaiting a decision, oldest first.
public struct Attention: Codable, Sendable, Equatable {
    public var exceptions: [OrderException]
    public var changes: [OrderChange]

    public init(exceptions: [OrderException], changes: [OrderChange]) {
        self.exceptions = exceptions
        self.changes = changes
    }
}

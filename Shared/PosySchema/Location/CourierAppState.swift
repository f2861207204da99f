/// Whether a courier's app is in front: a phone in a pocket sends no positions (browsers give web
/// apps none in the background), and the shop should know why a marker stands still.
public struct CourierAppState: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable, CaseIterable {
        case foreground
        case background
    }

    public var state: State
    /// When posy-location heard it (RFC 3339).
    public var at: String

    public init(state: State, at: String) {
        self.state = state
        self.at = at
    }
}

/// A part of the evidence bundle fetched from another service: either its data, or why it is not
/// there (`available: false` — the service does not serve it yet, or did not answer). Never an
/// empty list standing in for "unknown".
public struct EvidenceSection: Codable, Sendable, Equatable {
    public var available: Bool
    /// The service it comes from.
    public var source: String
    public var reason: String?
    public var data: JSONValue?

    public init(available: Bool, source: String, reason: String? = nil, data: JSONValue? = nil) {
        self.available = available
        self.source = source
        self.reason = reason
        self.data = data
    }
}

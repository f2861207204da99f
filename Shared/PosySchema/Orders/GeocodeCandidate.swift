/// One address a geocoder found for what a florist typed (`GET /v1/geocode`): the provider's
/// normalized address and where it is, in WGS-84 whatever the provider speaks.
public struct GeocodeCandidate: Codable, Sendable, Equatable {
    public var address: String
    public var lat: Double
    public var lon: Double
    /// The provider's word for what it is (`house`, `street`, AMap's `门牌号`), when it says.
    public var kind: String?

    public init(address: String, lat: Double, lon: Double, kind: String? = nil) {
        self.address = address
        self.lat = lat
        self.lon = lon
        self.kind = kind
    }
}

/// `GET /v1/geocode` → the candidates, best first.
public struct GeocodeResult: Codable, Sendable, Equatable {
    public var query: String
    public var provider: String
    public var candidates: [GeocodeCandidate]
    /// Answered from the gateway's cache, without asking the provider.
    public var cached: Bool

    public init(query: String, provider: String, candidates: [GeocodeCandidate], cached: Bool) {
        self.query = query
        self.provider = provider
        self.candidates = candidates
        self.cached = cached
    }
}

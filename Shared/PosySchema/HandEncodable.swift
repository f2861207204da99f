/// A type whose JSON Posy writes by hand, exactly as `JSONEncoder` would (the same bytes, failing
/// where it fails): positions, which a city's couriers send two thousand times a second and which
/// Foundation's coder spent a sixth of the gateway's and posy-location's time on
/// (docs/performance.md, "Posy's own JSON for positions"). ``JSON/encode(_:)`` takes this path.
protocol HandEncodable: Encodable {
    func write(to w: inout HandJSONWriter) throws
}

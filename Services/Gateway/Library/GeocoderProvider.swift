import Foundation
import PosySchema

/// Where address search goes (`--geocoder`, docs/operations.md, "Address search").
public enum GeocoderProvider: Sendable, Equatable {
    /// A Nominatim-compatible API (OpenStreetMap's, or one's own): WGS-84 answers.
    case nominatim(base: String)
    /// AMap's (Gaode's) web service with a key: GCJ-02 answers, converted to WGS-84.
    case amap(key: String, base: String)

    public static let amapBase = "https://restapi.amap.com"

    /// `nominatim:URL`, `amap:KEY` or `amap:KEY@URL`; nil for text that is none of them.
    public init?(setting text: String) {
        if text.hasPrefix("nominatim:") {
            let base = String(text.dropFirst("nominatim:".count))
            guard Self.isHTTP(base) else { return nil }
            self = .nominatim(base: base.hasSuffix("/") ? String(base.dropLast()) : base)
        } else if text.hasPrefix("amap:") {
            let rest = text.dropFirst("amap:".count)
            let parts = rest.split(separator: "@", maxSplits: 1).map(String.init)
            guard let key = parts.first, !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
            let base = parts.count == 2 ? parts[1] : Self.amapBase
            guard Self.isHTTP(base) else { return nil }
            self = .amap(key: key, base: base.hasSuffix("/") ? String(base.dropLast()) : base)
        } else {
            return nil
        }
    }

    static func isHTTP(_ url: String) -> Bool {
        guard let u = URL(string: url), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme), u.host != nil else {
            return false
        }
        return true
    }

    public var name: String {
        switch self {
        case .nominatim: "nominatim"
        case .amap: "amap"
        }
    }

    /// Least time between two calls: Nominatim's usage policy allows one a second; AMap's free
    /// quota a few.
    var spacing: Duration {
        switch self {
        case .nominatim: .seconds(1)
        case .amap: .milliseconds(334)
        }
    }

    /// The request for `query`, biased to the shop's surroundings where the provider can be.
    func url(for query: String, near shop: Shop, language: String) -> String {
        var c: URLComponents
        switch self {
        case .nominatim(let base):
            c = URLComponents(string: base + "/search")!
            let box = [shop.lon - 0.3, shop.lat + 0.3, shop.lon + 0.3, shop.lat - 0.3].map { String(format: "%.5f", $0) }
            c.queryItems = [
                .init(name: "q", value: query), .init(name: "format", value: "jsonv2"), .init(name: "limit", value: "5"),
                .init(name: "viewbox", value: box.joined(separator: ",")), .init(name: "bounded", value: "0"),
                .init(name: "accept-language", value: language),
            ]
        case .amap(let key, let base):
            c = URLComponents(string: base + "/v3/geocode/geo")!
            c.queryItems = [.init(name: "key", value: key), .init(name: "address", value: query), .init(name: "output", value: "JSON")]
        }
        return c.url!.absoluteString
    }

    /// The provider's answer as candidates in WGS-84; `bad_gateway` for an answer that is not one.
    func candidates(from body: Data) throws(PosyError) -> [GeocodeCandidate] {
        guard let json = try? JSON.decode(JSONValue.self, from: body) else {
            throw PosyError(.badGateway, "the geocoder's answer is not JSON")
        }
        switch self {
        case .nominatim:
            guard case .array(let items) = json else { throw PosyError(.badGateway, "the geocoder's answer is not a list") }
            return items.prefix(5).compactMap { item in
                guard case .object(let o) = item, case .string(let name)? = o["display_name"], let lat = Self.number(o["lat"]),
                    let lon = Self.number(o["lon"]), Geo.isValid(lat: lat, lon: lon)
                else { return nil }
                var kind: String?
                if case .string(let k)? = o["type"] { kind = k }
                return GeocodeCandidate(address: name, lat: lat, lon: lon, kind: kind)
            }
        case .amap:
            guard case .object(let o) = json else { throw PosyError(.badGateway, "the geocoder's answer is not an object") }
            guard case .string("1")? = o["status"] else {
                var info = "an error"
                if case .string(let i)? = o["info"] { info = String(i.prefix(80)) }
                throw PosyError(.badGateway, "AMap answered \(info)")
            }
            guard case .array(let items)? = o["geocodes"] else { return [] }
            return items.prefix(5).compactMap { item in
                guard case .object(let g) = item, case .string(let address)? = g["formatted_address"],
                    case .string(let location)? = g["location"]
                else { return nil }
                let parts = location.split(separator: ",").compactMap { Double($0) }
                guard parts.count == 2, Geo.isValid(lat: parts[1], lon: parts[0]) else { return nil }
                // AMap speaks GCJ-02; Posy keeps WGS-84 (docs/architecture.md, "Coordinates").
                let wgs = ChinaCoordinates.wgs(fromGCJ: .init(lat: parts[1], lon: parts[0]))
                var kind: String?
                if case .string(let k)? = g["level"] { kind = k }
                return GeocodeCandidate(address: address, lat: wgs.lat, lon: wgs.lon, kind: kind)
            }
        }
    }

    static func number(_ v: JSONValue?) -> Double? {
        switch v {
        case .string(let s)?: Double(s)
        case .number(let d)?: d
        default: nil
        }
    }
}

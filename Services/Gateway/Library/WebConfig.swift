import Foundation
import PosySettings

/// Where the web faces come from and what their maps show (docs/operations.md, "The web faces").
public struct WebConfig: Sendable {
    /// The directory of HTML, CSS and JS modules; nil: the faces are not served (404).
    public var root: String?
    /// Leaflet's `leaflet.js`, `leaflet.css` and `images/` (Debian's `libjs-leaflet`).
    public var leafletDir: String
    /// Tile URL template (`{z}/{x}/{y}`); empty: no basemap, markers on a plain background.
    public var mapTiles: String
    /// The tiles' coordinate system, `wgs84` or `gcj02` (docs/architecture.md, "Coordinates").
    public var mapCoordinates = "wgs84"

    public static let debianLeaflet = GatewaySettings().leafletDir.standard
    public static let openStreetMap = GatewaySettings().mapTiles.standard

    public init(root: String? = nil, leafletDir: String = WebConfig.debianLeaflet, mapTiles: String = "") {
        self.root = root
        self.leafletDir = leafletDir
        self.mapTiles = mapTiles
    }

    /// The `scheme://host[:port]` of a tile template, for the CSP; nil when it is not an http(s)
    /// URL with `{z}`, `{x}` and `{y}` or carries characters a header must not.
    public static func tileOrigin(_ template: String) -> String? {
        // `{s}.` picks one of the tile server's subdomains: the CSP allows them all.
        if template.contains("://{s}.") {
            return tileOrigin(template.replacingOccurrences(of: "://{s}.", with: "://")).map {
                $0.replacingOccurrences(of: "://", with: "://*.")
            }
        }
        guard ["{z}", "{x}", "{y}"].allSatisfy(template.contains),
            template.utf8.allSatisfy({
                $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "'")
            }),
            let url = URL(string: template.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "")),
            let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http", let host = url.host, !host.isEmpty
        else { return nil }
        return "\(scheme)://\(host)\(url.port.map { ":\($0)" } ?? "")"
    }
}

import CompressNIO
import Crypto
import Foundation
import Hummingbird
import Logging
import NIOCore
import PosySchema

/// The web faces' files (docs/architecture.md, "Web faces"): read once at start from the web root
/// and Leaflet's directory, each with a strong `ETag` and, where it pays, a gzip copy. Pages are
/// revalidated on every load (`no-cache`: a 304 costs one round trip) so a new release shows at once,
/// and every response carries the security headers; HTML pages the CSP (no inline script).
final class WebFiles: Sendable {
    struct File: Sendable {
        let body: ByteBuffer
        let gzip: ByteBuffer?
        let type: String
        let etag: String
    }

    /// URL path → file.
    let files: [String: File]
    /// Paths that answer with a redirect to the path with a slash (`/console` → `/console/`).
    static let faces = ["console", "courier", "customer"]
    let csp: String

    init(config: WebConfig, logger: Logger) {
        var files: [String: File] = [:]
        if let root = config.root {
            let base = URL(fileURLWithPath: root).standardizedFileURL
            for (relative, data) in Self.walk(base) {
                guard let type = Self.contentType(relative) else { continue }
                var path = "/" + relative
                if relative == "signin.html" { path = "/signin" }
                if relative.hasSuffix("/index.html") { path = "/" + relative.dropLast("index.html".count) }
                files[path] = Self.file(data, type: type)
            }
        }
        let leaflet = URL(fileURLWithPath: config.leafletDir).standardizedFileURL
        for (relative, data) in Self.walk(leaflet)
        where ["leaflet.js", "leaflet.esm.js", "leaflet.css"].contains(relative) || relative.hasPrefix("images/") {
            guard let type = Self.contentType(relative) else { continue }
            files["/vendor/leaflet/" + relative] = Self.file(data, type: type)
        }
        let tiles = WebConfig.tileOrigin(config.mapTiles)
        let settings =
            #"{"mapTiles":\#(JSON.quoted(tiles == nil ? "" : config.mapTiles)),"mapCoordinates":\#(JSON.quoted(config.mapCoordinates)),"leaflet":\#(files["/vendor/leaflet/leaflet.esm.js"] != nil)}"#
        files["/assets/settings.json"] = Self.file(Data(settings.utf8), type: "application/json")
        self.files = files
        self.csp =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:\(tiles.map { " " + $0 } ?? ""); "
            + "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
            + "form-action 'self'; frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types default posy-worker"
        if config.root == nil { logger.notice("web faces not served: no web root (set --web-root)") }
        if files["/vendor/leaflet/leaflet.esm.js"] == nil {
            logger.notice("maps without Leaflet: not found", metadata: ["dir": "\(config.leafletDir)"])
        }
    }

    /// The response for `request`, or nil when the path is not a web file.
    func response(_ request: Request) -> Response? {
        guard request.method == .get || request.method == .head else { return nil }
        let path = request.uri.path
        if Self.faces.contains(where: { path == "/" + $0 }), files[path + "/"] != nil {
            return Response(status: .permanentRedirect, headers: [.location: path + "/"])
        }
        // A tracking link (`/t/<token>`): the customer's page. The URL holds the token, so nothing
        // may keep a copy of the page under it.
        let tracking = Self.isTrackingLink(path)
        guard let file = tracking ? files["/customer/"] : files[path] else { return nil }
        var headers = HTTPFields()
        headers[.contentType] = file.type
        headers[.eTag] = file.etag
        headers[.cacheControl] = tracking ? "no-store" : "no-cache"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.init("Referrer-Policy")!] = "no-referrer"
        headers[.vary] = "Accept-Encoding"
        // The customer's worker lives with the page's files but serves the tracking links.
        if path == "/customer/sw.js" { headers[.init("Service-Worker-Allowed")!] = "/t/" }
        if file.type.hasPrefix("text/html") {
            headers[.contentSecurityPolicy] = csp
            headers[.init("X-Frame-Options")!] = "DENY"
            headers[.init("Permissions-Policy")!] = "geolocation=(self), camera=(self), microphone=(self)"
        }
        if let match = request.headers[.ifNoneMatch],
            match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == file.etag })
        {
            return Response(status: .notModified, headers: headers)
        }
        var body = file.body
        if let gzip = file.gzip, Self.acceptsGzip(request.headers[.acceptEncoding]) {
            headers[.contentEncoding] = "gzip"
            body = gzip
        }
        headers[.contentLength] = "\(body.readableBytes)"
        return Response(status: .ok, headers: headers, body: request.method == .head ? .init() : .init(byteBuffer: body))
    }

    /// `/t/<one segment>`: an order's tracking link.
    static func isTrackingLink(_ path: String) -> Bool {
        guard path.hasPrefix("/t/") else { return false }
        let token = path.dropFirst(3)
        return !token.isEmpty && !token.contains("/")
    }

    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        return header.split(separator: ",").contains { part in
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            return fields.first == "gzip" && !fields.dropFirst().contains { $0 == "q=0" || $0 == "q=0.0" || $0 == "q=0.00" }
        }
    }

    static func file(_ data: Data, type: String) -> File {
        let body = ByteBuffer(bytes: data)
        var gzip: ByteBuffer?
        if !type.hasPrefix("image/png"), data.count > 512, var copy = Optional(body), let z = try? copy.compress(with: .gzip()),
            z.readableBytes < data.count * 9 / 10
        {
            gzip = z
        }
        let digest = SHA256.hash(data: data).prefix(12).map { String(format: "%02x", $0) }.joined()
        return File(body: body, gzip: gzip, type: type, etag: "\"\(digest)\"")
    }

    /// Files under `base` (relative path, bytes), not following links out of it; hidden files skipped.
    static func walk(_ base: URL) -> [(String, Data)] {
        guard let e = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var out: [(String, Data)] = []
        let prefix = base.resolvingSymlinksInPath().path + "/"
        for case let url as URL in e {
            let real = url.resolvingSymlinksInPath()
            guard (try? real.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true,
                real.path.hasPrefix(prefix) || url.path.hasPrefix(base.path + "/"),
                !url.lastPathComponent.hasPrefix("."), let data = try? Data(contentsOf: real)
            else { continue }
            out.append((String(url.standardizedFileURL.path.dropFirst(base.path.count + 1)), data))
        }
        return out
    }

    static func contentType(_ path: String) -> String? {
        switch (path as NSString).pathExtension.lowercased() {
        case "html": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "json": "application/json"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "webmanifest": "application/manifest+json"
        case "mp3": "audio/mpeg"
        case "wav": "audio/wav"
        default: nil
        }
    }
}

import ArgumentParser
import Foundation
import PosyAuth
import PosyCore

/// Flags of `posy-gateway` beyond the common ones.
public struct GatewayOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("http-host"), help: "HTTP bind address (env POSY_HTTP_HOST, default 127.0.0.1).")
    public var httpHost: String?

    @Option(name: .customLong("http-port"), help: "HTTP port (env POSY_HTTP_PORT, default 8080).")
    public var httpPort: Int?

    @Option(
        name: .customLong("public-url"),
        help: "Base URL clients reach the gateway at, for tracking links (env POSY_PUBLIC_URL, default http://<http-host>:<http-port>).")
    public var publicURL: String?

    @Option(
        name: .customLong("openapi"),
        help:
            "Path of docs/openapi.yaml to serve at /openapi.yaml (env POSY_OPENAPI; default: found next to the build or in the current directory)."
    )
    public var openAPI: String?

    @Option(
        name: .customLong("rate-limit"),
        help: "Requests per second per token, on average (env POSY_RATE_LIMIT, default 50; 0 turns limiting off).")
    public var rateLimit: Double?

    @Option(name: .customLong("rate-burst"), help: "Requests per token allowed at once (env POSY_RATE_BURST, default 100).")
    public var rateBurst: Double?

    @Option(
        name: .customLong("token-max-days"),
        help: "Longest lifetime (exp − iat) a bearer token may claim, in days (env POSY_TOKEN_MAX_DAYS, default 90).")
    public var tokenMaxDays: Double?

    @Option(
        name: .customLong("ops-port"),
        help: "A second listener for operators: /healthz with every instance and /metrics, no token (env POSY_OPS_PORT; default none).")
    public var opsPort: Int?

    @Option(name: .customLong("ops-host"), help: "Bind address of the operators' listener (env POSY_OPS_HOST, default 127.0.0.1).")
    public var opsHost: String?

    @Option(
        name: .customLong("tls-cert"),
        help: "PEM certificate chain: serve HTTPS and WSS instead of plain HTTP (env POSY_TLS_CERT; needs --tls-key).")
    public var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert (env POSY_TLS_KEY).")
    public var tlsKey: String?

    @Option(
        name: .customLong("http-redirect-port"),
        help: "With TLS: a plain-HTTP port that answers every request with a redirect to HTTPS (env POSY_HTTP_REDIRECT_PORT; default none)."
    )
    public var httpRedirectPort: Int?

    @Option(
        name: .customLong("web-root"),
        help:
            "Directory of the web faces (HTML, CSS, JS) served at /console/, /signin and /assets/ (env POSY_WEB_ROOT; default: Services/Gateway/Web found next to the build or in the current directory)."
    )
    public var webRoot: String?

    @Option(
        name: .customLong("leaflet-dir"),
        help: "Leaflet's files, served at /vendor/leaflet/ (env POSY_LEAFLET_DIR, default Debian's /usr/share/javascript/leaflet).")
    public var leafletDir: String?

    @Option(
        name: .customLong("map-tiles"),
        help:
            "Map tile URL template for the faces' maps (env POSY_MAP_TILES, default OpenStreetMap's https://tile.openstreetmap.org/{z}/{x}/{y}.png); empty: no basemap."
    )
    public var mapTiles: String?

    @Option(
        name: .customLong("session-minutes"),
        help: "Lifetime of a signed-in person's access token, refreshed by the page before it ends (env POSY_SESSION_MINUTES, default 15).")
    public var sessionMinutes: Double?

    @Option(
        name: .customLong("position-cadence"),
        help:
            "Seconds between the batches of positions a courier's app sends, told to it when its stream opens (env POSY_POSITION_CADENCE, default 3; raise it at peak to spread the load)."
    )
    public var positionCadence: Double?

    @Option(
        name: .customLong("turn-url"),
        help:
            "TURN/STUN URLs handed to calls, comma-separated, e.g. turn:relay.example:3478?transport=udp (env POSY_TURN_URLS; default none: peer to peer only)."
    )
    public var turnURLs: String?

    @Option(
        name: .customLong("turn-secret-file"),
        help: "File holding the secret shared with coturn (use-auth-secret / static-auth-secret) (env POSY_TURN_SECRET_FILE).")
    public var turnSecretFile: String?

    @Flag(
        name: .customLong("turn-relay-only"),
        help: "Video calls only through the TURN relay, so that no party learns another's address (env POSY_TURN_RELAY_ONLY=1).")
    public var turnRelayOnly = false

    @Option(
        name: .customLong("turn-ttl"),
        help: "Seconds a call's TURN credentials work, 60…86400 (env POSY_TURN_TTL, default 600: each call asks for its own).")
    public var turnTTL: Int?

    @Option(
        name: .customLong("expect"),
        help: "Comma-separated instances /healthz requires (env POSY_EXPECT, default bus,orders,messaging-1,location,receipts,notify).")
    public var expect: String?

    public init() {}

    /// Flags, then environment, then defaults, as a plain value (resolve once, at the start of `run()`).
    public var config: GatewayConfig {
        let host = Environment.resolve(httpHost, "POSY_HTTP_HOST", "127.0.0.1")
        let port = httpPort ?? Environment.string("POSY_HTTP_PORT").flatMap(Int.init) ?? 8080
        let cert = tlsCert ?? Environment.string("POSY_TLS_CERT")
        let key = tlsKey ?? Environment.string("POSY_TLS_KEY")
        let tls = cert.flatMap { cert in key.map { GatewayConfig.TLSFiles(certificateChain: cert, privateKey: $0) } }
        return GatewayConfig(
            host: host, port: port,
            expect: Environment.resolve(expect, "POSY_EXPECT", "bus,orders,messaging-1,location,receipts,notify")
                .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
            publicURL: Environment.resolve(publicURL, "POSY_PUBLIC_URL", "\(tls == nil ? "http" : "https")://\(host):\(port)"),
            openAPISpec: Self.loadSpec(openAPI ?? Environment.string("POSY_OPENAPI")),
            rateLimit: rateLimit ?? Environment.string("POSY_RATE_LIMIT").flatMap(Double.init) ?? 50,
            rateBurst: rateBurst ?? Environment.string("POSY_RATE_BURST").flatMap(Double.init) ?? 100,
            tokenMaxLifetime: (tokenMaxDays ?? Environment.string("POSY_TOKEN_MAX_DAYS").flatMap(Double.init)).map { Int64($0 * 86_400) }
                ?? TokenSigner.defaultMaxLifetime,
            opsPort: opsPort ?? Environment.string("POSY_OPS_PORT").flatMap(Int.init),
            opsHost: Environment.resolve(opsHost, "POSY_OPS_HOST", "127.0.0.1"),
            tls: tls,
            httpRedirectPort: httpRedirectPort ?? Environment.string("POSY_HTTP_REDIRECT_PORT").flatMap(Int.init),
            web: WebConfig(
                root: Self.findWebRoot(webRoot ?? Environment.string("POSY_WEB_ROOT")),
                leafletDir: Environment.resolve(leafletDir, "POSY_LEAFLET_DIR", WebConfig.debianLeaflet),
                mapTiles: mapTiles ?? ProcessInfo.processInfo.environment["POSY_MAP_TILES"] ?? WebConfig.openStreetMap),
            sessionTokenLifetime: Int64(60 * (sessionMinutes ?? Environment.string("POSY_SESSION_MINUTES").flatMap(Double.init) ?? 15)),
            positionCadenceMs: Int(1000 * (positionCadence ?? Environment.string("POSY_POSITION_CADENCE").flatMap(Double.init) ?? 3)),
            turn: (try? turnConfig()) ?? TURNConfig())
    }

    /// The TURN/STUN URLs (each checked) and the secret read from its file.
    func turnConfig() throws -> TURNConfig {
        let urls = Environment.resolve(turnURLs, "POSY_TURN_URLS", "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for url in urls where !TURNConfig.isValid(url) {
            throw ValidationError("--turn-url: '\(url.prefix(80))' is not a turn:, turns:, stun: or stuns: URL")
        }
        var secret: String?
        if let file = turnSecretFile ?? Environment.string("POSY_TURN_SECRET_FILE") {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ValidationError("--turn-secret-file: cannot read \(file)")
            }
            secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let ttl = turnTTL ?? Environment.string("POSY_TURN_TTL").flatMap(Int.init) ?? 600
        guard (60...86_400).contains(ttl) else { throw ValidationError("--turn-ttl: \(ttl) is not 60…86400 seconds") }
        return TURNConfig(
            urls: urls, secret: secret, ttl: TimeInterval(ttl),
            relayOnly: turnRelayOnly || Environment.string("POSY_TURN_RELAY_ONLY") == "1")
    }

    /// The web root: the given path, else `Services/Gateway/Web` in the current directory or in the
    /// source tree the executable was built in.
    static func findWebRoot(_ path: String?) -> String? {
        if let path { return path }
        var candidates = ["Services/Gateway/Web"]
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
            for _ in 0..<4 {
                url = url.deletingLastPathComponent()
                candidates.append(url.appendingPathComponent("Services/Gateway/Web").path)
            }
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/signin.html") }
    }

    /// The spec text: the given path, else `docs/openapi.yaml` in the current directory or in the
    /// source tree the executable was built in (`<root>/.build/<config>/posy-gateway`).
    static func loadSpec(_ path: String?) -> String? {
        var candidates = [String]()
        if let path {
            candidates.append(path)
        } else {
            candidates.append("docs/openapi.yaml")
            if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
                var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
                for _ in 0..<4 {
                    url = url.deletingLastPathComponent()
                    candidates.append(url.appendingPathComponent("docs/openapi.yaml").path)
                }
            }
        }
        return candidates.lazy.compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.first
    }

    public func validate() throws {
        if let p = httpPort, !(0...65535).contains(p) { throw ValidationError("--http-port must be 0…65535") }
        if let p = opsPort, !(0...65535).contains(p) { throw ValidationError("--ops-port must be 0…65535") }
        if let p = httpRedirectPort, !(0...65535).contains(p) { throw ValidationError("--http-redirect-port must be 0…65535") }
        let cert = tlsCert ?? Environment.string("POSY_TLS_CERT")
        let key = tlsKey ?? Environment.string("POSY_TLS_KEY")
        if (cert == nil) != (key == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        if cert == nil && (httpRedirectPort ?? Environment.string("POSY_HTTP_REDIRECT_PORT").flatMap(Int.init)) != nil {
            throw ValidationError("--http-redirect-port redirects to HTTPS: it needs --tls-cert and --tls-key")
        }
        if let r = rateLimit, r < 0 { throw ValidationError("--rate-limit must be 0 (off) or positive") }
        if let b = rateBurst, b < 1 { throw ValidationError("--rate-burst must be at least 1") }
        if let d = tokenMaxDays, !(d.isFinite && d > 0 && d <= 3650) { throw ValidationError("--token-max-days must be 0 < days ≤ 3650") }
        if let m = sessionMinutes, !(m.isFinite && m >= 1 && m <= 1440) { throw ValidationError("--session-minutes must be 1…1440") }
        if let c = positionCadence ?? Environment.string("POSY_POSITION_CADENCE").flatMap(Double.init), !(c.isFinite && c >= 1 && c <= 300)
        {
            throw ValidationError("--position-cadence must be 1…300 seconds")
        }
        let turn = try turnConfig()
        if turn.urls.contains(where: { $0.hasPrefix("turn") }), (turn.secret ?? "").isEmpty {
            throw ValidationError("--turn-url names a TURN relay: give its shared secret with --turn-secret-file")
        }
        if let t = mapTiles ?? ProcessInfo.processInfo.environment["POSY_MAP_TILES"], !t.isEmpty, WebConfig.tileOrigin(t) == nil {
            throw ValidationError("--map-tiles must be an http(s) URL template with {z}, {x} and {y}, or empty")
        }
    }
}

/// The gateway's resolved settings.
public struct GatewayConfig: Sendable {
    public var host: String
    public var port: Int
    /// Instances `/healthz` requires.
    public var expect: [String]
    /// Base of tracking links (`<publicURL>/t/<token>`).
    public var publicURL: String
    /// `docs/openapi.yaml`, served at `/openapi.yaml` (nil when not found).
    public var openAPISpec: String?
    /// Per-token request rate (per second) and burst; rate 0 = unlimited.
    public var rateLimit: Double
    public var rateBurst: Double
    /// The longest lifetime (seconds) a token may claim.
    public var tokenMaxLifetime: Int64
    /// The operators' listener (health detail, metrics); nil: none.
    public var opsPort: Int?
    public var opsHost: String
    /// HTTPS (and WSS) with these files; nil: plain HTTP (behind a TLS-terminating proxy, or local).
    public var tls: TLSFiles?
    /// A plain-HTTP listener that redirects to `publicURL` (with TLS only); nil: none.
    public var httpRedirectPort: Int?
    /// The web faces' files and maps.
    public var web: WebConfig
    /// Lifetime (seconds) of a signed-in person's access token.
    public var sessionTokenLifetime: Int64
    /// How often (ms) a courier's app sends its kept positions: told in the stream's `stream.open`.
    public var positionCadenceMs: Int
    /// The relay video calls use, if any.
    public var turn: TURNConfig

    /// PEM files of the gateway's certificate chain and private key.
    public struct TLSFiles: Sendable {
        public var certificateChain: String
        public var privateKey: String

        public init(certificateChain: String, privateKey: String) {
            self.certificateChain = certificateChain
            self.privateKey = privateKey
        }
    }

    public init(
        host: String = "127.0.0.1", port: Int = 8080, expect: [String], publicURL: String? = nil,
        openAPISpec: String? = nil, rateLimit: Double = 50, rateBurst: Double = 100,
        tokenMaxLifetime: Int64 = TokenSigner.defaultMaxLifetime, opsPort: Int? = nil, opsHost: String = "127.0.0.1",
        tls: TLSFiles? = nil, httpRedirectPort: Int? = nil, web: WebConfig = WebConfig(), sessionTokenLifetime: Int64 = 900,
        positionCadenceMs: Int = 3000, turn: TURNConfig = TURNConfig()
    ) {
        self.positionCadenceMs = positionCadenceMs
        self.turn = turn
        self.web = web
        self.sessionTokenLifetime = sessionTokenLifetime
        self.tls = tls
        self.httpRedirectPort = httpRedirectPort
        self.tokenMaxLifetime = tokenMaxLifetime
        self.opsPort = opsPort
        self.opsHost = opsHost
        self.rateLimit = rateLimit
        self.rateBurst = rateBurst
        self.host = host
        self.port = port
        self.expect = expect
        self.publicURL = publicURL ?? "\(tls == nil ? "http" : "https")://\(host):\(port)"
        self.openAPISpec = openAPISpec
    }
}

import ArgumentParser
import Foundation
import PosyAuth
import PosyCore
import PosySchema
import PosySettings

/// Flags of `posy-gateway` beyond the common ones, declared in ``GatewaySettings``.
public struct GatewayOptions: ParsableArguments, Sendable {
    @Option(name: gateway.httpHost.name, help: gateway.httpHost.help) public var httpHost: String?
    @Option(name: gateway.httpPort.name, help: gateway.httpPort.help) public var httpPort: Int?
    @Option(name: suite.publicURL.name, help: suite.publicURL.help) public var publicURL: String?
    @Option(name: gateway.openAPI.name, help: gateway.openAPI.help) public var openAPI: String?
    @Option(name: gateway.rateLimit.name, help: gateway.rateLimit.help) public var rateLimit: Double?
    @Option(name: gateway.rateBurst.name, help: gateway.rateBurst.help) public var rateBurst: Double?
    @Option(name: gateway.tokenMaxDays.name, help: gateway.tokenMaxDays.help) public var tokenMaxDays: Double?
    @Option(name: gateway.opsPort.name, help: gateway.opsPort.help) public var opsPort: Int?
    @Option(name: gateway.opsHost.name, help: gateway.opsHost.help) public var opsHost: String?
    @Option(name: gateway.tlsCert.name, help: gateway.tlsCert.help) public var tlsCert: String?
    @Option(name: gateway.tlsKey.name, help: gateway.tlsKey.help) public var tlsKey: String?
    @Option(name: gateway.httpRedirectPort.name, help: gateway.httpRedirectPort.help) public var httpRedirectPort: Int?
    @Option(name: gateway.webRoot.name, help: gateway.webRoot.help) public var webRoot: String?
    @Option(name: gateway.leafletDir.name, help: gateway.leafletDir.help) public var leafletDir: String?
    @Option(name: gateway.mapTiles.name, help: gateway.mapTiles.help) public var mapTiles: String?
    @Option(name: gateway.geocoder.name, help: gateway.geocoder.help) public var geocoder: String?
    @Option(name: gateway.mapCoordinates.name, help: gateway.mapCoordinates.help) public var mapCoordinates: String?
    @Option(name: gateway.sessionMinutes.name, help: gateway.sessionMinutes.help) public var sessionMinutes: Double?
    @Option(name: gateway.positionCadence.name, help: gateway.positionCadence.help) public var positionCadence: Double?
    @Option(name: gateway.turnURLs.name, help: gateway.turnURLs.help) public var turnURLs: String?
    @Option(name: gateway.turnSecretFile.name, help: gateway.turnSecretFile.help) public var turnSecretFile: String?
    @Flag(name: gateway.turnRelayOnly.name, help: gateway.turnRelayOnly.help) public var turnRelayOnly = false
    @Option(name: gateway.turnTTL.name, help: gateway.turnTTL.help) public var turnTTL: Int?
    @Option(name: gateway.expect.name, help: gateway.expect.help) public var expect: String?
    @Option(name: gateway.maxStreams.name, help: gateway.maxStreams.help) public var maxStreams: Int?
    @Option(name: gateway.maxStreamsPerPerson.name, help: gateway.maxStreamsPerPerson.help) public var maxStreamsPerPerson: Int?
    @Option(name: gateway.maxConnectionsPerAddress.name, help: gateway.maxConnectionsPerAddress.help)
    public var maxConnectionsPerAddress: Int?
    @Option(name: gateway.connectionCapExempt.name, help: gateway.connectionCapExempt.help) public var connectionCapExempt: String?
    @Option(name: gateway.instance.name, help: gateway.instance.help) public var instance: String?

    public init() {}

    /// Flags, then `POSY_*` variables, then defaults, as a plain value, every value checked (resolve
    /// once, at the start of `run()`; `validate()` resolves first, so nothing bad gets that far).
    public func config(_ from: Settings = .process) throws -> GatewayConfig {
        let host = try from.value(gateway.httpHost, flag: httpHost)
        let port = try from.value(gateway.httpPort, flag: httpPort)
        let cert = try from.optional(gateway.tlsCert, flag: tlsCert)
        let key = try from.optional(gateway.tlsKey, flag: tlsKey)
        if (cert == nil) != (key == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        let tls = cert.flatMap { cert in key.map { GatewayConfig.TLSFiles(certificateChain: cert, privateKey: $0) } }
        let opsPort = try from.optional(gateway.opsPort, flag: opsPort)
        let redirectPort = try from.optional(gateway.httpRedirectPort, flag: httpRedirectPort)
        for (name, p) in [("http-port", port), ("ops-port", opsPort), ("http-redirect-port", redirectPort)] {
            if let p, !(0...65535).contains(p) { throw ValidationError("--\(name) must be 0…65535") }
        }
        if tls == nil && redirectPort != nil {
            throw ValidationError("--http-redirect-port redirects to HTTPS: it needs --tls-cert and --tls-key")
        }
        let rate = try from.value(gateway.rateLimit, flag: rateLimit)
        guard rate.isFinite, rate >= 0 else { throw ValidationError("--rate-limit must be 0 (off) or positive") }
        let burst = try from.value(gateway.rateBurst, flag: rateBurst)
        guard burst.isFinite, burst >= 1 else { throw ValidationError("--rate-burst must be at least 1") }
        let days = try from.value(gateway.tokenMaxDays, flag: tokenMaxDays)
        guard days.isFinite, days > 0, days <= 3650 else { throw ValidationError("--token-max-days must be 0 < days ≤ 3650") }
        let minutes = try from.value(gateway.sessionMinutes, flag: sessionMinutes)
        guard minutes.isFinite, minutes >= 1, minutes <= 1440 else { throw ValidationError("--session-minutes must be 1…1440") }
        let cadence = try from.value(gateway.positionCadence, flag: positionCadence)
        guard cadence.isFinite, cadence >= 1, cadence <= 300 else { throw ValidationError("--position-cadence must be 1…300 seconds") }
        let tiles = try from.value(gateway.mapTiles, flag: mapTiles)
        if !tiles.isEmpty, WebConfig.tileOrigin(tiles) == nil {
            throw ValidationError("--map-tiles must be an http(s) URL template with {z}, {x} and {y}, or empty")
        }
        let streams = try from.optional(gateway.maxStreams, flag: maxStreams)
        if let streams, streams < 1 { throw ValidationError("--max-streams must be at least 1") }
        let perPerson = try from.value(gateway.maxStreamsPerPerson, flag: maxStreamsPerPerson)
        guard perPerson >= 0 else { throw ValidationError("--max-streams-per-person must be 0 (no cap) or more") }
        let perAddress = try from.value(gateway.maxConnectionsPerAddress, flag: maxConnectionsPerAddress)
        guard perAddress >= 0 else { throw ValidationError("--max-connections-per-address must be 0 (no cap) or more") }
        var exempt: [AddressRange] = []
        for text in try from.value(gateway.connectionCapExempt, flag: connectionCapExempt.flatMap { [String](settingText: $0) }) {
            guard let range = AddressRange(cidr: text) else {
                throw ValidationError(
                    "--connection-cap-exempt: '\(text.prefix(60))' is not an address range such as 10.0.0.0/8 or fd00::/8")
            }
            exempt.append(range)
        }
        let instance = try from.value(gateway.instance, flag: self.instance)
        guard GatewayConfig.isInstanceName(instance) else {
            throw ValidationError("--instance must be 'gateway' or 'gateway-' and up to 32 lower-case letters and digits")
        }
        var config = GatewayConfig(
            host: host, port: port,
            expect: try from.value(gateway.expect, flag: expect.flatMap { [String](settingText: $0) }),
            publicURL: try from.optional(suite.publicURL, flag: publicURL) ?? "\(tls == nil ? "http" : "https")://\(host):\(port)",
            openAPISpec: Self.loadSpec(try from.optional(gateway.openAPI, flag: openAPI)),
            rateLimit: rate, rateBurst: burst, tokenMaxLifetime: Int64(days * 86_400), opsPort: opsPort,
            opsHost: try from.value(gateway.opsHost, flag: opsHost), tls: tls, httpRedirectPort: redirectPort,
            web: WebConfig(
                root: Self.findWebRoot(try from.optional(gateway.webRoot, flag: webRoot)),
                leafletDir: try from.value(gateway.leafletDir, flag: leafletDir), mapTiles: tiles),
            sessionTokenLifetime: Int64(60 * minutes), positionCadenceMs: Int(1000 * cadence), turn: try turnConfig(from))
        config.maxStreams = streams
        config.maxStreamsPerPerson = perPerson
        config.maxConnectionsPerAddress = perAddress
        config.connectionCapExempt = exempt
        config.instance = instance
        config.retention = try RetentionTable.rules(from)
        let system = try from.value(gateway.mapCoordinates, flag: mapCoordinates)
        guard ["wgs84", "gcj02"].contains(system) else { throw ValidationError("--map-coordinates must be wgs84 or gcj02") }
        config.web.mapCoordinates = system
        if let text = try from.optional(gateway.geocoder, flag: geocoder), !text.isEmpty {
            guard let provider = GeocoderProvider(setting: text) else {
                throw ValidationError(
                    "--geocoder must be nominatim:URL, amap:KEY or amap:KEY@URL (an http(s) URL; the key letters and digits)")
            }
            config.geocoder = provider
        }
        return config
    }

    /// The TURN/STUN URLs (each checked) and the secret read from its file.
    func turnConfig(_ from: Settings) throws -> TURNConfig {
        let urls = try from.optional(gateway.turnURLs, flag: turnURLs.flatMap { [String](settingText: $0) }) ?? []
        for url in urls where !TURNConfig.isValid(url) {
            throw ValidationError("--turn-url: '\(url.prefix(80))' is not a turn:, turns:, stun: or stuns: URL")
        }
        var secret: String?
        if let file = try from.optional(gateway.turnSecretFile, flag: turnSecretFile) {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ValidationError("--turn-secret-file: cannot read \(file)")
            }
            secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if urls.contains(where: { $0.hasPrefix("turn") }), (secret ?? "").isEmpty {
            throw ValidationError("--turn-url names a TURN relay: give its shared secret with --turn-secret-file")
        }
        let ttl = try from.value(gateway.turnTTL, flag: turnTTL)
        guard (60...86_400).contains(ttl) else { throw ValidationError("--turn-ttl: \(ttl) is not 60…86400 seconds") }
        return TURNConfig(
            urls: urls, secret: secret, ttl: TimeInterval(ttl), relayOnly: try from.isOn(gateway.turnRelayOnly, flag: turnRelayOnly))
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

    public func validate() throws { _ = try config() }
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
    /// Live streams held at once; nil: the open-file limit less ``StreamCapacity/reserve``.
    public var maxStreams: Int?
    /// Live streams one person holds at once on this gateway; 0: no cap.
    public var maxStreamsPerPerson = GatewaySettings().maxStreamsPerPerson.standard
    /// Connections one client address holds at once on this gateway; 0: no cap (``ClientConnections``).
    public var maxConnectionsPerAddress = GatewaySettings().maxConnectionsPerAddress.standard
    /// Addresses the per-address cap does not count.
    var connectionCapExempt = GatewaySettings().connectionCapExempt.standard.compactMap(AddressRange.init(cidr:))
    /// This process's instance name (`gateway`, or `gateway-<n>` when several share the port).
    public var instance = ServiceName.gateway
    /// Address search's provider (`--geocoder`); nil: none.
    public var geocoder: GeocoderProvider?
    /// The retention table the pages tell people about (`GET /v1/privacy/retention`), from the same
    /// variables the services read.
    public var retention = (try? RetentionTable.rules(Settings(environment: [:]))) ?? []

    /// PEM files of the gateway's certificate chain and private key.
    public struct TLSFiles: Sendable {
        public var certificateChain: String
        public var privateKey: String

        public init(certificateChain: String, privateKey: String) {
            self.certificateChain = certificateChain
            self.privateKey = privateKey
        }
    }

    /// `gateway`, or `gateway-` and a short name of lower-case letters and digits (not `link`: the
    /// caller name of signed media links).
    public static func isInstanceName(_ name: String) -> Bool {
        if name == ServiceName.gateway { return true }
        guard name.hasPrefix(ServiceName.gateway + "-"), name != ServiceName.gatewayLink else { return false }
        let rest = name.dropFirst(ServiceName.gateway.count + 1)
        return (1...32).contains(rest.count) && rest.allSatisfy { ($0.isASCII && $0.isLowercase) || ($0.isASCII && $0.isNumber) }
    }

    public init(
        host: String = GatewaySettings().httpHost.standard, port: Int = GatewaySettings().httpPort.standard, expect: [String],
        publicURL: String? = nil,
        openAPISpec: String? = nil, rateLimit: Double = GatewaySettings().rateLimit.standard,
        rateBurst: Double = GatewaySettings().rateBurst.standard,
        tokenMaxLifetime: Int64 = Int64(GatewaySettings().tokenMaxDays.standard * 86_400), opsPort: Int? = nil,
        opsHost: String = GatewaySettings().opsHost.standard, tls: TLSFiles? = nil, httpRedirectPort: Int? = nil,
        web: WebConfig = WebConfig(),
        sessionTokenLifetime: Int64 = Int64(GatewaySettings().sessionMinutes.standard * 60),
        positionCadenceMs: Int = Int(GatewaySettings().positionCadence.standard * 1000), turn: TURNConfig = TURNConfig()
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

private let gateway = GatewaySettings()
private let suite = SuiteSettings()

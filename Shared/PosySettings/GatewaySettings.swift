/// `posy-gateway`.
public struct GatewaySettings: SettingsCatalog {
    public static let takenBy = "posy-gateway"
    public init() {}

    public let httpHost = Setting<String>("http-host", "POSY_HTTP_HOST", default: "127.0.0.1", "HTTP bind address")
    public let httpPort = Setting<Int>("http-port", "POSY_HTTP_PORT", default: 8080, "HTTP port (also posy up's gateway)")
    public let expect = Setting<[String]>(
        "expect", "POSY_EXPECT", default: ["bus", "orders", "messaging-1", "location", "receipts", "notify"],
        "Instances /healthz requires, comma-separated")
    public let openAPI = Setting<String>(
        "openapi", "POSY_OPENAPI", unset: "docs/openapi.yaml found next to the build or in the working directory",
        "Path of docs/openapi.yaml, served at /openapi.yaml")
    public let rateLimit = Setting<Double>(
        "rate-limit", "POSY_RATE_LIMIT", default: 50,
        "Requests per second per token, on average; 0 turns limiting off (posy up passes it on)")
    public let rateBurst = Setting<Double>("rate-burst", "POSY_RATE_BURST", default: 100, "Requests per token allowed at once")
    public let tokenMaxDays = Setting<Double>(
        "token-max-days", "POSY_TOKEN_MAX_DAYS", default: 90, "Longest lifetime (exp − iat) a bearer token may claim, in days")
    public let opsPort = Setting<Int>(
        "ops-port", "POSY_OPS_PORT", unset: "none", "A listener for operators: /healthz with every instance and /metrics, no token")
    public let opsHost = Setting<String>("ops-host", "POSY_OPS_HOST", default: "127.0.0.1", "Bind address of the operators' listener")
    public let tlsCert = Setting<String>(
        "tls-cert", "POSY_TLS_CERT", unset: "none: plain HTTP",
        "PEM certificate chain: HTTPS and WSS on --http-port instead of plain HTTP (needs --tls-key)")
    public let tlsKey = Setting<String>("tls-key", "POSY_TLS_KEY", unset: "none", "PEM private key of --tls-cert")
    public let httpRedirectPort = Setting<Int>(
        "http-redirect-port", "POSY_HTTP_REDIRECT_PORT", unset: "none",
        "With TLS: a plain-HTTP port answering every request with 308 to the same path under the public URL")
    public let webRoot = Setting<String>(
        "web-root", "POSY_WEB_ROOT",
        unset: "Services/Gateway/Web found next to the build or in the working directory (the container: /usr/local/share/posy/web)",
        "Directory of the web faces (HTML, CSS, JS)")
    public let leafletDir = Setting<String>(
        "leaflet-dir", "POSY_LEAFLET_DIR", default: "/usr/share/javascript/leaflet",
        "Leaflet's files (Debian's libjs-leaflet), served at /vendor/leaflet/")
    public let geocoder = Setting<String>(
        "geocoder", "POSY_GEOCODER", unset: "none: the forms take a pin on the map",
        "Address search for the forms: nominatim:URL (a Nominatim-compatible API) or amap:KEY (AMap's web service; amap:KEY@URL for another endpoint)",
        isSecret: true)
    public let mapCoordinates = Setting<String>(
        "map-coordinates", "POSY_MAP_COORDINATES", default: "wgs84",
        "The coordinate system the map tiles are drawn in: wgs84 (OpenStreetMap) or gcj02 (AMap, Tencent); markers are shifted to match")
    public let mapTiles = Setting<String>(
        "map-tiles", "POSY_MAP_TILES", default: "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "Map tile URL template for the faces' maps; empty: no basemap (markers on a plain background — what tests use); the CSP allows its origin",
        emptyIsValue: true)
    public let sessionMinutes = Setting<Double>(
        "session-minutes", "POSY_SESSION_MINUTES", default: 15,
        "Lifetime of a signed-in person's access token; pages refresh it a minute before it ends")
    public let positionCadence = Setting<Double>(
        "position-cadence", "POSY_POSITION_CADENCE", default: 3,
        "Seconds between the batches of positions couriers' apps send, told in stream.open; raise it at peak to spread the load, 1…300")
    public let turnURLs = Setting<[String]>(
        "turn-url", "POSY_TURN_URLS", unset: "none: peer to peer only",
        "TURN/STUN URLs handed to video calls, comma-separated, e.g. turn:relay.example:3478?transport=udp")
    public let turnSecretFile = Setting<String>(
        "turn-secret-file", "POSY_TURN_SECRET_FILE", unset: "none", "File holding the secret shared with coturn (static-auth-secret)")
    public let turnRelayOnly = Setting<Bool>(
        "turn-relay-only", "POSY_TURN_RELAY_ONLY", default: false,
        "Video calls only through the TURN relay, so no party learns another's address")
    public let maxStreams = Setting<Int>(
        "max-streams", "POSY_MAX_STREAMS", unset: "the open-file limit less 256",
        "Live streams this gateway holds at once; one more is refused with 503 and Retry-After before the upgrade")
    public let maxStreamsPerPerson = Setting<Int>(
        "max-streams-per-person", "POSY_MAX_STREAMS_PER_PERSON", default: 64,
        "Live streams one person (a token's role and subject) holds on this gateway at once; one more is refused with 429; 0 = no cap")
    public let maxConnectionsPerAddress = Setting<Int>(
        "max-connections-per-address", "POSY_MAX_CONNECTIONS_PER_ADDRESS", default: 1_000,
        "Connections one client address (an IPv6 /64) holds on this gateway at once; one more is answered 429 and closed; 0 = no cap")
    public let connectionCapExempt = Setting<[String]>(
        "connection-cap-exempt", "POSY_CONNECTION_CAP_EXEMPT", default: ["127.0.0.0/8", "::1/128"],
        "Client addresses (CIDR, comma-separated) the per-address cap does not count: this host, a proxy in front")
    public let instance = Setting<String>(
        "instance", "POSY_GATEWAY_INSTANCE", default: "gateway",
        "This gateway's name; gateway-<n> share the HTTP port with each other (posy up --gateways names them), gateway holds it alone")
    public let turnTTL = Setting<Int>("turn-ttl", "POSY_TURN_TTL", default: 600, "Seconds a call's TURN credentials work, 60…86400")
}

import ArgumentParser
import PosyCore

/// Flags of `posy-gateway` beyond the common ones.
public struct GatewayOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("http-host"), help: "HTTP bind address (env POSY_HTTP_HOST, default 127.0.0.1).")
    public var httpHost: String?

    @Option(name: .customLong("http-port"), help: "HTTP port (env POSY_HTTP_PORT, default 8080).")
    public var httpPort: Int?

    @Option(name: .customLong("expect"), help: "Comma-separated instances /healthz requires (env POSY_EXPECT, default bus,orders,messaging-1,location,receipts,notify).")
    public var expect: String?

    public init() {}

    public var resolvedHost: String { Environment.resolve(httpHost, "POSY_HTTP_HOST", "127.0.0.1") }
    public var resolvedPort: Int { httpPort ?? Environment.string("POSY_HTTP_PORT").flatMap(Int.init) ?? 8080 }
    public var resolvedExpect: [String] {
        Environment.resolve(expect, "POSY_EXPECT", "bus,orders,messaging-1,location,receipts,notify")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    public func validate() throws {
        if let p = httpPort, !(0...65535).contains(p) { throw ValidationError("--http-port must be 0…65535") }
    }
}

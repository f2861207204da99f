import ArgumentParser
import Foundation
import PosyCLI
import PosyCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `posy bench customer`: the customer's page in headless Chromium at a phone's viewport
/// (`Tests/python/customer_bench.py`, selenium), opened from an order's tracking link while its
/// courier rides — a position sent → the marker at that place on the page (p50/p99), and the page's
/// shell without Leaflet. Bus, orders, a messaging shard, location (pushing at most every 0.2 s, so
/// that the bench waits less), receipts and the gateway run here (``BenchSuite``).
public struct CustomerBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "customer",
        abstract: "Benchmark the customer's tracking page in headless Chromium (needs chromium, chromedriver, selenium).")

    @Option(help: "Positions sent, each timed to the marker on the page.") var positions = 200
    @Option(name: .customLong("bin-dir"), help: "Where the posy-* executables are (default: next to this posy).") var binDir: String?
    @Flag(name: .customLong("json"), help: "Print JSON.") var json = false

    public init() {}

    public func validate() throws {
        guard (1...2000).contains(positions) else { throw ValidationError("--positions 1…2000") }
    }

    public func run() async throws {
        let suite = try await BenchSuite.start(
            "customer", bin: binDir ?? UpCommand.ownDirectory(),
            services: ["posy-orders", "posy-messaging --shard 1", "posy-location --push-interval 0.2", "posy-receipts"],
            environment: ["POSY_MAP_TILES": ""])
        defer { suite.stop() }
        let staff = try suite.staffToken()
        let courier = try suite.signer.mint(sub: "k1", role: .courier, shop: "s1", ttl: 3600)
        // Far enough that the ride never reaches the arrival geofence (about 20 km south of the start).
        let (start, home) = ((31.2277, 121.4737), (31.0477, 121.4737))
        let (_, link) = try await BrowserBench.orderOnItsWay(suite, staff: staff, courier: courier, home: home)
        let config: [String: Any] = [
            "base": suite.base, "link": link, "courier": courier, "positions": positions, "start": [start.0, start.1],
            "home": [home.0, home.1],
        ]
        let (line, report) = try BrowserBench.run("customer_bench.py", config: config, in: suite.dir)
        if json {
            print(line)
            return
        }
        let move = report["positionToMarker"] as? [String: Any] ?? [:]
        let shell = report["shell"] as? [String: Any] ?? [:]
        func ms(_ v: Any?) -> String { (v as? Double).map { String(format: "%.0f ms", $0) } ?? "-" }
        print(
            TextTable.render([
                ["MEASURE", "P50", "P99", "MAX", "N"],
                ["position sent → marker moved", ms(move["p50ms"]), ms(move["p99ms"]), ms(move["maxms"]), "\(move["n"] ?? "-")"],
            ]))
        let kib = { (v: Any?) in (v as? Int).map { String(format: "%.1f KiB", Double($0) / 1024) } ?? "-" }
        print(
            "page shell without Leaflet: \(shell["files"] ?? "?") files, \(kib(shell["decodedBytes"])) (\(kib(shell["transferredBytes"])) gzipped)"
        )
        print(
            "Chromium and the suite (bus, orders, messaging, location, receipts, gateway) on this same \(ProcessInfo.processInfo.activeProcessorCount)-core machine."
        )
    }
}

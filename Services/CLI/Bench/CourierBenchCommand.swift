import ArgumentParser
import Foundation
import PosyCLI
import PosyCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `posy bench courier`: the courier app in headless Chromium at a phone's viewport
/// (`Tests/python/courier_bench.py`, selenium) — the app shell's size, an Accept tapped → the
/// server's acknowledgement (p50/p99), and a queue of positions kept without signal drained when it
/// returns (how many requests and frames carried it, how long it took). Bus, orders, a messaging
/// shard, location, receipts and the gateway run here (``BenchSuite``).
public struct CourierBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "courier", abstract: "Benchmark the courier app in headless Chromium (needs chromium, chromedriver, selenium).")

    @Option(help: "Assignments accepted, each timed from the tap to the server's reply.") var taps = 100
    @Option(help: "Positions kept without signal, then sent.") var positions = 1000
    @Option(name: .customLong("bin-dir"), help: "Where the posy-* executables are (default: next to this posy).") var binDir: String?
    @Flag(name: .customLong("json"), help: "Print JSON.") var json = false

    public init() {}

    public func validate() throws {
        guard taps > 0, (1...5000).contains(positions) else { throw ValidationError("--taps > 0, --positions 1…5000") }
    }

    public func run() async throws {
        let suite = try await BenchSuite.start(
            "courier", bin: binDir ?? UpCommand.ownDirectory(),
            services: ["posy-orders", "posy-messaging --shard 1", "posy-location", "posy-receipts"],
            environment: ["POSY_MAP_TILES": ""])
        defer { suite.stop() }
        let staff = try suite.staffToken()
        let admin = try suite.signer.mint(sub: "bench", role: .admin, ttl: 3600)
        let courier = #"{"id":"k1","name":"Li Wei","phone":"+86 131 0000 0001","vehicle":"ebike","onDuty":true}"#
        guard try await suite.send("POST", "/v1/shops/s1/couriers", try suite.adminToken(), Data(courier.utf8)).0 == 201 else {
            throw ValidationError("could not create the courier")
        }
        let day = BrowserBench.today(in: "Asia/Shanghai")
        var ids: [String] = []
        for i in 0..<taps {
            let order =
                #"{"shopId":"s1","customer":{"id":"c\#(i)","name":"Customer \#(i)"},"#
                + #""recipient":{"name":"Recipient \#(i)","address":"\#(i) Garden Rd","lat":31.22,"lon":121.47},"#
                + #""items":[{"name":"carnations","quantity":12}],"window":{"start":"\#(day)T10:00:00+08:00","end":"\#(day)T12:00:00+08:00"}}"#
            let (status, body) = try await suite.send("POST", "/v1/orders", staff, Data(order.utf8))
            guard status == 201, let id = (try JSONSerialization.jsonObject(with: body) as? [String: Any])?["id"] as? String,
                try await suite.send("POST", "/v1/orders/\(id)/confirm", staff, Data("{}".utf8)).0 == 200
            else { throw ValidationError("could not create order \(i): \(status)") }
            ids.append(id)
        }
        let (invited, inviteBody) = try await suite.send(
            "POST", "/v1/shops/s1/invites", admin, Data(#"{"role":"courier","name":"Li Wei","courierId":"k1"}"#.utf8))
        guard invited == 201, let link = (try JSONSerialization.jsonObject(with: inviteBody) as? [String: Any])?["link"] as? String else {
            throw ValidationError("could not invite: \(invited)")
        }
        let config: [String: Any] = [
            "base": suite.base, "link": link, "staff": staff, "courier": "k1", "orders": ids, "positions": positions,
        ]
        let (line, report) = try BrowserBench.run("courier_bench.py", config: config, in: suite.dir)
        if json {
            print(line)
            return
        }
        let tap = report["tapToAck"] as? [String: Any] ?? [:]
        let queue = report["offlineQueue"] as? [String: Any] ?? [:]
        let shell = report["shell"] as? [String: Any] ?? [:]
        func ms(_ v: Any?) -> String { (v as? Double).map { String(format: "%.0f ms", $0) } ?? "-" }
        print(
            TextTable.render([
                ["MEASURE", "P50", "P99", "MAX", "N"],
                ["Accept tapped → server's reply", ms(tap["p50ms"]), ms(tap["p99ms"]), ms(tap["maxms"]), "\(tap["n"] ?? "-")"],
            ]))
        print(
            "offline queue: \(queue["kept"] ?? "?") positions kept → sent in \(queue["requests"] ?? "?") request(s) and \(queue["frames"] ?? "?") stream frame(s), drained in \(queue["drainms"] ?? "?") ms"
        )
        let kib = { (v: Any?) in (v as? Int).map { String(format: "%.1f KiB", Double($0) / 1024) } ?? "-" }
        print("app shell: \(shell["files"] ?? "?") files, \(kib(shell["decodedBytes"])) (\(kib(shell["transferredBytes"])) gzipped)")
        print(
            "Chromium and the suite (bus, orders, messaging, location, receipts, gateway) on this same \(ProcessInfo.processInfo.activeProcessorCount)-core machine."
        )
    }
}

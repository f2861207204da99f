import ArgumentParser
import Foundation
import PosyCLI
import PosyCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `posy bench console`: the shop console in headless Chromium (`Tests/python/console_bench.py`,
/// selenium) over a day of orders with couriers moving — navigation → live board, and a state
/// change sent → its card in the new column (p50/p99), and the shell's size. Bus, orders, a messaging
/// shard, location, receipts and the gateway run here (``BenchSuite``): a stream waits for every
/// source it carries. Chromium and the couriers' clients share the machine.
public struct ConsoleBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "console", abstract: "Benchmark the shop console in headless Chromium (needs chromium, chromedriver, selenium).")

    @Option(help: "Orders on today's board.") var orders = 500
    @Option(help: "Couriers on duty, each sending a position every 2 s.") var couriers = 50
    @Option(help: "State changes timed from request to screen.") var transitions = 200
    @Option(help: "Page loads timed.") var loads = 5
    @Option(name: .customLong("bin-dir"), help: "Where the posy-* executables are (default: next to this posy).") var binDir: String?
    @Flag(name: .customLong("json"), help: "Print JSON.") var json = false

    public init() {}

    public func validate() throws {
        guard orders >= transitions, transitions > 0, couriers > 0, loads > 0 else {
            throw ValidationError("--orders ≥ --transitions > 0, --couriers > 0, --loads > 0")
        }
    }

    public func run() async throws {
        let suite = try await BenchSuite.start(
            "console", bin: binDir ?? UpCommand.ownDirectory(),
            services: ["posy-orders", "posy-messaging --shard 1", "posy-location", "posy-receipts"],
            environment: ["POSY_MAP_TILES": ""])
        defer { suite.stop() }
        let staff = try suite.staffToken()
        let admin = try suite.signer.mint(sub: "bench", role: .admin, ttl: 3600)
        var courierTokens: [String] = []
        for i in 0..<couriers {
            let body = #"{"id":"k\#(i)","name":"Courier \#(i)","phone":"+86 131 0000 \#(String(format: "%04d", i))","vehicle":"ebike"}"#
            guard try await suite.send("POST", "/v1/shops/s1/couriers", try suite.adminToken(), Data(body.utf8)).0 == 201 else {
                throw ValidationError("could not create courier k\(i)")
            }
            let token = try suite.signer.mint(sub: "k\(i)", role: .courier, shop: "s1", ttl: 3600)
            _ = try await suite.send("POST", "/v1/couriers/k\(i)/duty", token, Data(#"{"onDuty":true}"#.utf8))
            courierTokens.append(token)
        }
        // Today in the shop's zone (BenchSuite's shop is in Asia/Shanghai), windows from 09:00 on.
        let day = BrowserBench.today(in: "Asia/Shanghai")
        var ids: [String] = []
        for i in 0..<orders {
            let hour = 9 + (i % 10)
            let order =
                #"{"shopId":"s1","customer":{"id":"c\#(i)","name":"Customer \#(i)","phone":"+86 139 \#(String(format: "%08d", i))"},"#
                + #""recipient":{"name":"Recipient \#(i)","address":"\#(i) Garden Rd, Xuhui","lat":31.2\#(i % 10),"lon":121.4\#(i % 7)},"#
                + #""items":[{"name":"carnations","quantity":12}],"window":{"start":"\#(day)T\#(String(format: "%02d", hour)):00:00+08:00","#
                + #""end":"\#(day)T\#(String(format: "%02d", hour + 2)):00:00+08:00"}}"#
            let (status, body) = try await suite.send("POST", "/v1/orders", staff, Data(order.utf8))
            guard status == 201, let id = (try JSONSerialization.jsonObject(with: body) as? [String: Any])?["id"] as? String else {
                throw ValidationError("could not create order \(i): \(status)")
            }
            ids.append(id)
        }
        let (invited, inviteBody) = try await suite.send(
            "POST", "/v1/shops/s1/invites", admin, Data(#"{"role":"manager","name":"Bench Manager"}"#.utf8))
        guard invited == 201, let link = (try JSONSerialization.jsonObject(with: inviteBody) as? [String: Any])?["link"] as? String else {
            throw ValidationError("could not invite: \(invited)")
        }
        let config: [String: Any] = [
            "base": suite.base, "link": link, "staff": staff, "couriers": courierTokens, "orders": ids, "transitions": transitions,
            "loads": loads,
        ]
        let (line, report) = try BrowserBench.run("console_bench.py", config: config, in: suite.dir)
        if json {
            print(line)
            return
        }
        let load = report["load"] as? [String: Any] ?? [:]
        let screen = report["eventToScreen"] as? [String: Any] ?? [:]
        let shell = report["shell"] as? [String: Any] ?? [:]
        func ms(_ v: Any?) -> String { (v as? Double).map { String(format: "%.0f ms", $0) } ?? "-" }
        print(
            TextTable.render([
                ["MEASURE", "P50", "P99 / MAX", "N"],
                [
                    "navigation → live board (\(load["cards"] ?? "?") cards)", ms(load["p50ms"]), ms(load["maxms"]) + " max",
                    "\(load["runs"] ?? "-")",
                ],
                ["confirm sent → card in its column", ms(screen["p50ms"]), ms(screen["p99ms"]), "\(screen["n"] ?? "-")"],
            ]))
        let kib = { (v: Any?) in (v as? Int).map { String(format: "%.1f KiB", Double($0) / 1024) } ?? "-" }
        print(
            "shell without Leaflet: \(shell["files"] ?? "?") files, \(kib(shell["decodedBytes"])) (\(kib(shell["transferredBytes"])) gzipped)"
        )
        print(
            "\(orders) orders today, \(couriers) couriers on duty sending a position every 2 s; Chromium, the couriers' clients and the"
        )
        print(
            "suite (bus, orders, messaging, location, receipts, gateway) on this same \(ProcessInfo.processInfo.activeProcessorCount)-core machine."
        )
    }

}

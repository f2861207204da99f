import Foundation
import Testing

extension LongIntegration {
    /// Every benchmark the README lists runs, as a new user would start it (`posy bench …`), at its
    /// smallest size: a figure at that size, on a machine busy with the other tests, means nothing;
    /// a benchmark that stops means its users get nothing (docs/performance.md). Each waits for its suite's health first and calls
    /// with an identity its suite grants what it asks.
    @Suite(.serialized) struct BenchSmokeTests {
        static let runs: [(args: [String], says: String)] = [
            (
                ["bus", "--count", "2000", "--rate", "500", "--seconds", "1", "--producers", "4", "--rounds", "2"],
                "medians of 2 rounds: CURVE / insecure"
            ),
            (["orders", "--count", "40", "--clients", "4"], "SERVER CPU"),
            (["media", "--mib", "1", "--runs", "1"], "download"),
            (["chat", "--conversations", "4", "--seconds", "1", "--rate", "100", "--shards", "1", "--threads"], "posy.rpc-server"),
            (["location", "--couriers", "4", "--batch", "50", "--concurrency", "2", "--seconds", "1"], "RPC location.ingest"),
            (["notify", "--orders", "20", "--questions", "3"], "posy-notify CPU per event"),
            (["console", "--orders", "10", "--couriers", "2", "--transitions", "5", "--loads", "1"], "2-core machine"),
            (["courier", "--taps", "3", "--positions", "30"], "2-core machine"),
            (["customer", "--positions", "5"], "2-core machine"),
            (["call", "--calls", "2"], "2-core machine"),
            (["streams", "--count", "50", "--idle", "5"], "PER STREAM"),
            (["backup", "--orders", "40", "--photos", "5", "--rate", "5"], "WRITES HELD"),
            (["handoff", "--count", "20", "--gap-us", "0", "--gap-us", "200"], "CPU µs PER WAKE-UP"),
        ]

        @Test(.timeLimit(.minutes(6)))
        func everyBenchmarkRunsAtItsSmallestSize() async throws {
            for run in Self.runs {
                let binDir = ["bus", "handoff"].contains(run.args[0]) ? [] : ["--bin-dir", Harness.binDir]
                let bench = { try await Harness.run("posy", ["bench"] + run.args + binDir, timeout: .seconds(120)) }
                let browses = NetworkQuiet.drivesABrowser("\(run.args[0])_bench.py")
                let (status, out) = browses ? try await NetworkQuiet.whileBrowsing(bench) : try await bench()
                #expect(
                    status == 0 && out.contains(run.says), "posy bench \(run.args.joined(separator: " ")): \(status)\n\(out.suffix(3000))")
                #expect(!out.contains("Error:"), "posy bench \(run.args[0]):\n\(out.suffix(2000))")
            }
        }

        /// The peak hour at a small scale (five shops, 258 streams, an order every 1.5 s): every order
        /// walked from creation to proof, and every push and webhook it should cause arrives exactly once.
        /// Its latencies are not judged here (the other tests share the machine).
        @Test(.timeLimit(.minutes(3)))
        func peakHourLosesNothing() async throws {
            let (status, out) = try await Harness.run(
                "posy",
                [
                    "bench", "peak", "--scale", "0.005", "--seconds", "15", "--delivery-seconds", "8", "--orders-per-hour", "2400",
                    "--bin-dir", Harness.binDir,
                ], timeout: .seconds(150))
            #expect(status == 0, "\(out.suffix(3000))")
            let last = out.split(separator: "\n").last { $0.hasPrefix("{") }.map(String.init) ?? ""
            let report = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any], "\(out.suffix(3000))")
            let orders = report["orders"] as? Int ?? 0
            #expect(orders >= 5, "\(last)")
            #expect(report["delivered"] as? Int == orders && report["errors"] as? Int == 0, "\(last)")
            #expect(report["lost"] as? Int == 0 && report["doubled"] as? Int == 0, "\(last)")
            let webhooks = report["webhooks"] as? [String: Int] ?? [:]
            #expect(webhooks["expected"] == 3 * orders && webhooks["received"] == webhooks["expected"], "\(last)")
            let slos = report["slos"] as? [String: [String: Any]] ?? [:]
            for level in ["assignment", "chat", "proof"] {
                #expect((slos[level]?["samples"] as? Int ?? 0) == (slos[level]?["expected"] as? Int ?? -1), "\(level): \(last)")
            }
            #expect((slos["position"]?["samples"] as? Int ?? 0) > 0, "no position reached a customer: \(last)")
        }
    }
}

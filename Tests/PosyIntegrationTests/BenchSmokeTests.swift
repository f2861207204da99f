import Foundation
import Testing

extension LongIntegration {
    /// Every benchmark the README lists runs, as a new user would start it (`posy bench …`), at its
    /// smallest size: a figure on this debug build means nothing, a benchmark that stops means its
    /// users get nothing (docs/performance.md). Each waits for its suite's health first and calls
    /// with an identity its suite grants what it asks.
    @Suite(.serialized) struct BenchSmokeTests {
        static let runs: [(args: [String], says: String)] = [
            (["bus", "--count", "2000", "--rate", "500", "--seconds", "1", "--producers", "4"], "CURVE / insecure"),
            (["orders", "--count", "40", "--clients", "4"], "SERVER CPU"),
            (["media", "--mib", "1", "--runs", "1"], "download"),
            (["chat", "--conversations", "4", "--seconds", "1", "--rate", "100", "--shards", "1"], "SHARD CPU"),
            (["location", "--couriers", "4", "--batch", "50", "--concurrency", "2", "--seconds", "1"], "RPC location.ingest"),
            (["notify", "--orders", "20", "--questions", "3"], "posy-notify CPU per event"),
            (["console", "--orders", "10", "--couriers", "2", "--transitions", "5", "--loads", "1"], "2-core machine"),
            (["courier", "--taps", "3", "--positions", "30"], "2-core machine"),
            (["customer", "--positions", "5"], "2-core machine"),
            (["call", "--calls", "2"], "2-core machine"),
            (["streams", "--count", "50", "--idle", "5"], "PER STREAM"),
        ]

        @Test(.timeLimit(.minutes(6)))
        func everyBenchmarkRunsAtItsSmallestSize() async throws {
            for run in Self.runs {
                let binDir = run.args[0] == "bus" ? [] : ["--bin-dir", Harness.binDir]
                let (status, out) = try await Harness.run("posy", ["bench"] + run.args + binDir, timeout: .seconds(120))
                #expect(
                    status == 0 && out.contains(run.says), "posy bench \(run.args.joined(separator: " ")): \(status)\n\(out.suffix(3000))")
                #expect(!out.contains("Error:"), "posy bench \(run.args[0]):\n\(out.suffix(2000))")
            }
        }
    }
}

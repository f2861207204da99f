import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension Integration {
    /// What an operator sees of a running suite: its first minute, its scheduled backups, each
    /// consumer's lag and each store's size (docs/operations.md, "Running", "Checking it").
    @Suite(.serialized) struct OperatorViewTests {
        @Test(.timeLimit(.minutes(3)))
        func firstShopScheduledBackupsAndTheStatusOfEachStore() async throws {
            let backups = Harness.tempDir("auto-backups")
            let suite = try SuiteTests.Suite(
                "operator-view",
                upArgs: [
                    "--rate-limit", "0", "--first-shop", "Lily's Flowers", "--backup-every", "2s", "--backup-keep", "2",
                    "--backup-to", backups,
                ])
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")

            // The first minute: the shop exists and its manager's link signs in.
            var link: String?
            #expect(
                await Harness.waitFor(.seconds(30)) {
                    link =
                        suite.up.log.split(separator: "\n").lazy.compactMap { line in
                            line.range(of: "http://127.0.0.1:\(suite.httpPort)/signin#").map { String(line[$0.lowerBound...]) }
                        }.first
                    return link != nil
                }, "no sign-in link in:\n\(suite.up.log.suffix(2000))")
            let code = String(try #require(link).split(separator: "#")[1])
            let base = "http://127.0.0.1:\(suite.httpPort)"
            let (opened, session) = await Harness.http("POST", base + "/v1/session", token: nil, json: ["code": code])
            #expect(opened == 201, "\(String(describing: session))")
            let token = try #require((session as? [String: Any])?["accessToken"] as? String)
            let (shopStatus, shop) = await Harness.http("GET", base + "/v1/shops/lily-s-flowers", token: token)
            #expect(shopStatus == 200 && (shop as? [String: Any])?["name"] as? String == "Lily's Flowers")

            // Backups every 2 s, the newest two kept, each a complete, verifiable backup.
            #expect(
                await Harness.waitFor(.seconds(30)) { suite.up.log.contains("removed the old backup") },
                "no backup was pruned:\n\(suite.up.log.suffix(2000))")
            let kept = try FileManager.default.contentsOfDirectory(atPath: backups).filter { $0.hasPrefix("posy-") }.sorted()
            #expect((1...3).contains(kept.count), "kept \(kept)")
            let (verified, verifyOut) = try await Harness.run("posy", ["backup", "verify", backups])
            #expect(verified == 0, "\(verifyOut)")

            // posy status: every store's lag, size and last backup; nothing stale.
            let (statusCode, statusOut) = try await Harness.run("posy", ["status", "--json"] + suite.busArgs)
            #expect(statusCode == 0, "\(statusOut)")
            let rows = try #require(
                try JSONSerialization.jsonObject(with: Data(statusOut.split(separator: "\n").last.map { Data($0.utf8) } ?? Data()))
                    as? [[String: Any]])
            for store in suite.stores {
                let row = try #require(rows.first { $0["instance"] as? String == store }, "\(store) missing from \(rows)")
                #expect((row["storeBytes"] as? Int ?? 0) > 0, "\(row)")
                #expect((row["backupAgeSeconds"] as? Int).map { $0 < 10 } == true, "\(row)")
                #expect(row["backupEverySeconds"] as? Int == 2, "\(row)")
            }
            #expect(rows.first { $0["instance"] as? String == "receipts" }?["mediaBytes"] is Int)
            // Each shard follows posy-orders, and has applied all it published.
            for shard in ["messaging-1", "messaging-2"] {
                #expect((rows.first { $0["instance"] as? String == shard }?["lag"] as? [String: Int])?["orders"] == 0, "\(rows)")
            }

            // Stopped, the schedule falls behind: status says so and exits 1.
            let pid = try #require(suite.up.pid)
            kill(pid, SIGSTOP)
            defer { kill(pid, SIGCONT) }
            try await Task.sleep(for: .seconds(4))
            let (staleCode, staleOut) = try await Harness.run("posy", ["status"] + suite.busArgs)
            #expect(staleCode == 1 && staleOut.contains("the last backup is"), "\(staleOut)")
            kill(pid, SIGCONT)
            #expect(await suite.stop())
        }
    }
}

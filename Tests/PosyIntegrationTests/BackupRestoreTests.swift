import Foundation
import PosyStore
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension FaultIntegration {
    /// Backup while orders keep arriving, the data directory lost, restore into a new one, and the
    /// suite going on there (docs/operations.md, "Backup and restore").
    @Suite(.serialized) struct BackupRestoreTests {
        /// What the load got acknowledged, and when.
        final class Acknowledged: @unchecked Sendable {
            private let lock = NSLock()
            private var items: [(order: String, conversation: String, text: String, at: Date)] = []
            func add(_ order: String, _ conversation: String, _ text: String) {
                lock.withLock { items.append((order, conversation, text, Date())) }
            }
            func before(_ date: Date) -> [(order: String, conversation: String, text: String, at: Date)] {
                lock.withLock { items.filter { $0.at < date } }
            }
            var all: [(order: String, conversation: String, text: String, at: Date)] { lock.withLock { items } }
        }

        @Test(.timeLimit(.minutes(6)))
        func backupUnderLoadThenRestoreKeepsEveryAcknowledgedThingAndWorks() async throws {
            let suite = try Integration.SuiteTests.Suite("backup-a")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let shop = try await Integration.ReceiptsAPITests.Shop(suite)
            let http = shop.http

            // The story: an order delivered with a photo, its chat, its evidence chain.
            let delivered = try await shop.orderOutForDelivery()
            let deliveredConversation = try #require(
                await http.request("GET", "/v1/orders/\(delivered)", token: shop.staff).json["conversationId"] as? String)
            #expect(
                await http.json(
                    "POST", "/v1/conversations/\(deliveredConversation)/messages", token: shop.staff,
                    ["clientMsgId": "story-1", "kind": "text", "text": "Ring twice, please"]
                ).status == 201)
            let photo = try MediaClient.fixture("photo.jpg")
            let uploaded = await http.upload(photo, type: "image/jpeg", order: delivered, token: shop.courier)
            let photoId = try #require(uploaded.json["id"] as? String, "\(uploaded.code)")
            let proof = await http.json(
                "POST", "/v1/orders/\(delivered)/proof", token: shop.courier,
                ["photoIds": [photoId], "lat": 52.5208, "lon": 13.4095, "accuracy": 5, "handedTo": ["kind": "recipient"]])
            #expect(proof.status == 201, "\(proof.code) \(proof.json)")
            #expect(await shop.waitState(delivered, "delivered"))

            // Orders and chat keep arriving while the backup runs.
            let acknowledged = Acknowledged()
            let load = Task {
                var n = 0
                while !Task.isCancelled {
                    n += 1
                    let placed = await shop.placeOrder()
                    guard placed.status == 201, let id = placed.json["id"] as? String,
                        let conversation = placed.json["conversationId"] as? String
                    else { continue }
                    let text = "load message \(n)"
                    let sent = await http.json(
                        "POST", "/v1/conversations/\(conversation)/messages", token: shop.staff,
                        ["clientMsgId": "load-\(n)", "kind": "text", "text": text])
                    if sent.status == 201 { acknowledged.add(id, conversation, text) }
                }
            }
            try await Task.sleep(for: .seconds(2))
            let began = Date()
            let (code, output) = try await Harness.run("posy", ["backup", "--to", "\(suite.dir)/backups"] + suite.busArgs)
            #expect(code == 0, "\(output)")
            try await Task.sleep(for: .seconds(1))
            load.cancel()
            _ = await load.value
            let kept = acknowledged.before(began)
            #expect(kept.count >= 5, "the load got only \(kept.count) orders acknowledged before the backup")
            #expect(acknowledged.all.count > kept.count, "nothing was acknowledged while the backup ran")
            let backups = try FileManager.default.contentsOfDirectory(atPath: "\(suite.dir)/backups").filter { $0.hasPrefix("posy-") }
            let backup = "\(suite.dir)/backups/\(try #require(backups.first))"
            #expect(backups.count == 1)

            // As a CronJob runs it: the newest kept, the schedule told to every store.
            for _ in 0..<2 {
                let (kept, keptOut) = try await Harness.run(
                    "posy", ["backup", "--to", "\(suite.dir)/cron", "--keep", "1", "--every", "1h"] + suite.busArgs)
                #expect(kept == 0, "\(keptOut)")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(suite.dir)/cron").filter { $0.hasPrefix("posy-") }.count == 1)
            let (_, statusOut) = try await Harness.run("posy", ["status", "--json"] + suite.busArgs)
            let rows =
                (try? JSONSerialization.jsonObject(with: Data((statusOut.split(separator: "\n").last ?? "").utf8))) as? [[String: Any]]
            #expect(rows?.first { $0["instance"] as? String == "orders" }?["backupEverySeconds"] as? Int == 3600, "\(statusOut)")

            // The disk dies: the suite and its data directory are gone.
            #expect(await suite.stop())
            try FileManager.default.removeItem(atPath: "\(suite.dir)/data")

            let (verified, verifyOut) = try await Harness.run("posy", ["backup", "verify", backup])
            #expect(verified == 0 && verifyOut.contains("1 evidence chains verified"), "\(verifyOut)")
            try await refusals(backup, in: suite.dir)

            // Restored into a new directory, the suite starts there.
            let restored = "\(suite.dir)/restored"
            let (restoredCode, restoreOut) = try await Harness.run(
                "posy", ["restore", "--from", "\(suite.dir)/backups", "--data-dir", restored])
            #expect(restoredCode == 0 && restoreOut.contains("--shards 2"), "\(restoreOut)")
            let b = try Integration.SuiteTests.Suite("backup-b") { dir in
                try FileManager.default.moveItem(atPath: restored, toPath: "\(dir)/data")
            }
            #expect(await b.waitHealthy(), "the restored suite never became healthy:\n\(b.up.log.suffix(3000))")
            let shopB = MediaClient(base: "http://127.0.0.1:\(b.httpPort)")

            // Every acknowledged order, message and photo of the backup's moment, photos byte for byte.
            for item in kept {
                #expect(await shopB.request("GET", "/v1/orders/\(item.order)", token: shop.staff).status == 200, "order \(item.order) lost")
                let texts = await Self.texts(shopB, item.conversation, token: shop.staff)
                #expect(texts.contains(item.text), "\(item.text) lost from \(item.conversation)")
            }
            let servedPhoto = await shopB.request("GET", "/v1/media/\(photoId)", token: shop.staff)
            #expect(servedPhoto.status == 200 && servedPhoto.body == photo, "the photo did not come back byte for byte")
            #expect(await Self.texts(shopB, deliveredConversation, token: shop.staff).contains("Ring twice, please"))
            let (evidenceCode, evidenceOut) = try await Harness.run("posy", ["evidence", "verify", delivered] + b.busArgs)
            #expect(evidenceCode == 0 && evidenceOut.contains("verified"), "\(evidenceOut)")
            #expect(await shopB.request("GET", "/v1/orders/\(delivered)", token: shop.staff).json["state"] as? String == "delivered")

            // Every order the restored orders store has, its shard learnt of exactly once — those the
            // shard had not applied at the backup's instant included — and nothing was applied twice.
            let orderIds = try Harness.query("\(b.dir)/data/orders.db", "SELECT id FROM orders").compactMap { $0.string(0) }
            #expect(orderIds.count >= kept.count + 1)
            let placedCards = {
                var total = 0
                for shard in ["messaging-1", "messaging-2"] {
                    total += Int(try Harness.query("\(b.dir)/data/\(shard).db", "SELECT count(*) FROM conversations")[0].int(0) ?? 0)
                }
                return total
            }
            #expect(
                await Harness.waitFor(.seconds(20)) { (try? placedCards()) == orderIds.count },
                "conversations \((try? placedCards()) ?? -1) for \(orderIds.count) orders")
            let doubled = try Self.doubledCards(b.dir)
            #expect(doubled.count == 0, "events applied twice: \(doubled.prefix(5))")

            // New orders and chat work live, with a stream push to the staff.
            let stream = StreamClient(port: b.httpPort, token: shop.staff)
            #expect(await stream.wait { $0.messages.contains { $0["type"] as? String == "stream.open" } }, "\(stream.ended.value ?? "")")
            let fmt = ISO8601DateFormatter()
            let created = await shopB.json(
                "POST", "/v1/orders", token: shop.staff,
                [
                    "shopId": "s1", "customer": ["id": "c1", "name": "Mei"],
                    "recipient": ["name": "Mother", "phone": "+49 30 1", "address": "Karl-Marx-Allee 1", "lat": 52.5208, "lon": 13.4095],
                    "items": [["name": "roses", "quantity": 3]],
                    "window": ["start": fmt.string(from: Date()), "end": fmt.string(from: Date().addingTimeInterval(7200))],
                ])
            let newOrder = try #require(created.json["id"] as? String, "\(created.code) \(created.json)")
            let newConversation = try #require(created.json["conversationId"] as? String)
            #expect(
                await stream.waitForEvent("order.placed", order: newOrder) != nil,
                "no live event of the new order: \(stream.messages.suffix(3))")
            #expect(
                await Harness.waitFor(.seconds(10)) {
                    await shopB.json(
                        "POST", "/v1/conversations/\(newConversation)/messages", token: shop.staff,
                        ["clientMsgId": "after-restore", "kind": "text", "text": "Still here"]
                    ).status == 201
                })
            #expect(await Self.texts(shopB, newConversation, token: shop.staff).contains("Still here"))
            #expect(try placedCards() == orderIds.count + 1)
            let doubledAfter = try Self.doubledCards(b.dir)
            #expect(doubledAfter.count == 0, "events applied twice: \(doubledAfter.prefix(5))")
            await stream.close()
            #expect(await b.stop())
        }

        /// A backup incomplete, damaged, of another suite — or a target already in use — is refused
        /// with a precise message, and the target is left as it was.
        func refusals(_ backup: String, in dir: String) async throws {
            func copy(_ name: String) throws -> String {
                let to = "\(dir)/\(name)"
                try FileManager.default.copyItem(atPath: backup, toPath: to)
                return to
            }
            func refused(_ from: String, _ expected: String, target: String = "\(dir)/never") async throws {
                let (code, out) = try await Harness.run("posy", ["restore", "--from", from, "--data-dir", target])
                #expect(code != 0 && out.contains(expected), "\(from): \(out)")
            }
            let blob = try #require(
                BackupVerifierFiles.all(backup).first { $0.hasPrefix("media/blobs/") }, "the backup has no media")
            let incomplete = try copy("incomplete")
            try FileManager.default.removeItem(atPath: "\(incomplete)/\(blob)")
            try await refused(incomplete, "backup_incomplete: \(blob) is missing")

            let damaged = try copy("damaged")
            let handle = try #require(FileHandle(forUpdatingAtPath: "\(damaged)/messaging-1.db"))
            try handle.seek(toOffset: 5000)
            try handle.write(contentsOf: Data([0x42]))
            try handle.close()
            try await refused(damaged, "backup_damaged: messaging-1.db is not the file backed up")

            // Another suite's secret, and another suite's orders store with a manifest rewritten to match it.
            let foreign = try copy("foreign")
            try "0123456789abcdef\n".write(toFile: "\(foreign)/secret", atomically: true, encoding: .utf8)
            try Self.rewriteManifest(foreign, file: "secret")
            try await refused(foreign, "backup_other_suite: the secret in the backup")
            let foreignStore = try copy("foreign-store")
            let db = try SQLiteConnection(path: "\(foreignStore)/orders.db")
            try db.execute("UPDATE meta SET value = 'ffffffffffffffffffffffffffffffff' WHERE key = 'epoch'; PRAGMA journal_mode=DELETE")
            try Self.rewriteManifest(foreignStore, file: "orders.db", epoch: ("orders", "ffffffffffffffffffffffffffffffff"))
            try await refused(foreignStore, "backup_other_suite: orders.db is not of this suite")

            // A target in use: refused, and what is in it stays.
            let used = "\(dir)/used"
            try FileManager.default.createDirectory(atPath: used, withIntermediateDirectories: true)
            try "mine".write(toFile: "\(used)/note", atomically: true, encoding: .utf8)
            try await refused(backup, "restore_target_not_empty", target: used)
            #expect(try FileManager.default.contentsOfDirectory(atPath: used) == ["note"])
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/never"))
        }

        /// A forger's manifest: `file`'s hash and size as the file now is (and a store's epoch).
        static func rewriteManifest(_ dir: String, file: String, epoch: (String, String)? = nil) throws {
            let path = "\(dir)/manifest.json"
            var manifest = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(file)"))
            manifest["files"] = (manifest["files"] as? [[String: Any]])?.map { entry in
                guard entry["name"] as? String == file else { return entry }
                return entry.merging(["sha256": Integration.ReceiptsAPITests.sha256(data), "size": data.count]) { $1 }
            }
            if let (instance, value) = epoch {
                manifest["stores"] = (manifest["stores"] as? [[String: Any]])?.map { entry in
                    entry["instance"] as? String == instance ? entry.merging(["epoch": value]) { $1 } : entry
                }
            }
            try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: path))
        }

        /// The state cards a shard wrote more than once for one order event (each order state here
        /// happens once): what a consumer that applied events again would leave.
        static func doubledCards(_ dir: String) throws -> [String] {
            var seen: [String: Int] = [:]
            for shard in ["messaging-1", "messaging-2"] {
                for row in try Harness.query(
                    "\(dir)/data/\(shard).db", "SELECT conversation_id, CAST(body AS TEXT) FROM messages WHERE party = 'system'")
                {
                    guard let body = row.string(1), let range = body.range(of: #""event":"[a-z.]+""#, options: .regularExpression) else {
                        continue
                    }
                    seen["\(row.string(0) ?? "") \(body[range])", default: 0] += 1
                }
            }
            return seen.filter { $0.value > 1 }.map(\.key).sorted()
        }

        static func texts(_ http: MediaClient, _ conversation: String, token: String) async -> [String] {
            let page = await http.request("GET", "/v1/conversations/\(conversation)/messages?limit=200", token: token).json
            return (page["messages"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
        }
    }
}

/// Files under a directory, relative to it.
enum BackupVerifierFiles {
    static func all(_ dir: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: dir) else { return [] }
        var out: [String] = []
        while let relative = walker.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(dir)/\(relative)", isDirectory: &isDir), !isDir.boolValue { out.append(relative) }
        }
        return out.sorted()
    }
}

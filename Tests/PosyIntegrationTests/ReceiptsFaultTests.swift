import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension FaultIntegration {
    /// `posy-receipts` killed mid-upload, and its timers: the confirmation deadline and media retention.
    @Suite(.serialized) struct ReceiptsFaultTests {
        @Test(.timeLimit(.minutes(4)))
        func sigkillMidUploadThenDeadlineAndRetention() async throws {
            // 0.001 h = 3.6 s to answer; 0.00005 days = 4.3 s of retention after completion.
            let suite = try Integration.SuiteTests.Suite(
                "receipts-fault",
                environment: [
                    "POSY_CONFIRM_WITHIN_HOURS": "0.001", "POSY_MEDIA_RETENTION_DAYS": "0.00005",
                ])
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let shop = try await Integration.ReceiptsAPITests.Shop(suite)
            let http = shop.http
            let order = try await shop.orderOutForDelivery()
            let media = "\(suite.dir)/data/media"

            // A 40 MiB video sent at 8 MiB/s; posy-receipts is SIGKILLed while it is arriving.
            let video = "\(suite.dir)/clip.mp4"
            var bytes = try MediaClient.fixture("clip.mp4")
            bytes.append(Data((0..<(40 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 >> 7) }))
            try bytes.write(to: URL(fileURLWithPath: video))
            let sha = Integration.ReceiptsAPITests.sha256(bytes)
            let curl = [
                "-sS", "-X", "POST", "-T", video, "-H", "Authorization: Bearer \(shop.courier)", "-H", "Content-Type: video/mp4",
                "-H", "Expect:", "-w", "\\n%{http_code}", "\(http.base)/v1/media?orderId=\(order)",
            ]
            let slow = Task { try await Harness.run(path: "curl", ["--limit-rate", "8M"] + curl, timeout: .seconds(90)) }
            #expect(
                await Harness.waitFor(.seconds(5), poll: .milliseconds(50)) {
                    ((try? FileManager.default.contentsOfDirectory(atPath: "\(media)/tmp")) ?? []).count == 1
                }, "the upload never started")
            try await Task.sleep(for: .milliseconds(1500))
            let pid = try #require(suite.row(await suite.health().1, "receipts")?["pid"] as? Int)
            kill(Int32(pid), SIGKILL)
            let (_, slowOut) = try await slow.value
            #expect(!slowOut.hasSuffix("201"), "an upload cut by the kill was accepted: \(slowOut.suffix(300))")
            // Back under `posy up`: the half-written file is gone, no row or blob has those bytes.
            #expect(
                await Harness.waitFor(.seconds(20), poll: .milliseconds(200)) {
                    (suite.row(await suite.health().1, "receipts")?["pid"] as? Int).map { $0 != pid } ?? false
                }, "receipts did not come back")
            #expect(await suite.waitHealthy())
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(media)/tmp").isEmpty)
            #expect(!FileManager.default.fileExists(atPath: "\(media)/blobs/\(sha.prefix(2))/\(sha)"))
            #expect(try Harness.query("\(suite.dir)/data/receipts.db", "SELECT id FROM media WHERE sha256 = '\(sha)'").isEmpty)
            // The retried upload succeeds and serves exactly those bytes.
            let (_, retryOut) = try await Harness.run(path: "curl", curl, timeout: .seconds(60))
            #expect(retryOut.hasSuffix("201"), "\(retryOut.suffix(300))")
            let stored = try #require(
                try JSONSerialization.jsonObject(with: Data(retryOut.split(separator: "\n").first.map { Data($0.utf8) } ?? Data()))
                    as? [String: Any])
            #expect(stored["sha256"] as? String == sha && stored["size"] as? Int == bytes.count)
            let videoId = try #require(stored["id"] as? String)
            let tail = await http.request(
                "GET", "/v1/media/\(videoId)", token: shop.staff, headers: ["Range": "bytes=\(bytes.count - 100000)-"])
            #expect(tail.status == 206 && tail.body == bytes.suffix(100000))

            // Nobody answers the delivery: the deadline completes the order.
            let photo = await http.upload(try MediaClient.fixture("photo.jpg"), type: "image/jpeg", order: order, token: shop.courier)
            let photoId = try #require(photo.json["id"] as? String, "\(photo.code)")
            let proof = await http.json(
                "POST", "/v1/orders/\(order)/proof", token: shop.courier,
                [
                    "photoIds": [photoId], "lat": 52.5208, "lon": 13.4095, "accuracy": 5, "handedTo": ["kind": "recipient"],
                ])
            #expect(proof.status == 201, "\(proof.code) \(proof.json)")
            #expect(await shop.waitState(order, "delivered"))
            #expect(await shop.waitState(order, "completed", timeout: .seconds(15)), "the deadline never completed the order")
            let bundle = await http.request("GET", "/v1/orders/\(order)/evidence", token: shop.staff)
            #expect((bundle.json["confirmations"] as? [[String: Any]])?.map { $0["by"] as? String } == ["deadline"])
            #expect(await http.json("POST", "/v1/orders/\(order)/confirmation", token: shop.customer, ["ok": true]).status == 409)
            // Retention purges the order's media; the chain keeps the record of it with every hash.
            #expect(
                await Harness.waitFor(.seconds(20), poll: .milliseconds(250)) {
                    await http.request("GET", "/v1/media/\(photoId)", token: shop.staff).status == 410
                }, "media was never purged")
            #expect(await http.request("GET", "/v1/media/\(videoId)", token: shop.staff).code == "410 gone")
            #expect(!FileManager.default.fileExists(atPath: "\(media)/blobs/\(sha.prefix(2))/\(sha)"))
            let after = await http.request("GET", "/v1/orders/\(order)/evidence", token: shop.staff)
            let records = try #require(after.json["records"] as? [[String: Any]])
            #expect(records.map { $0["kind"] as? String } == ["media", "media", "proof", "confirmation", "purge"])
            let purge = try #require(records.last?["body"] as? String)
            let photoSHA = Integration.ReceiptsAPITests.sha256(try MediaClient.fixture("photo.jpg"))
            #expect(purge.contains(sha) && purge.contains(photoSHA))
            #expect((after.json["chain"] as? [String: Any])?["ok"] as? Bool == true)
            #expect(await suite.stop())
        }
    }
}

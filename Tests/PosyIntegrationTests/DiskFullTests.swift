import Foundation
import Testing

extension Integration {
    /// A bad day: the disk under the data directory fills up. The suite runs on a 64 MiB tmpfs the
    /// test mounts (it needs root, as `make test` on CI has); a filler file takes the rest.
    @Suite(.serialized) struct DiskFullTests {
        /// Whether this process may mount a tmpfs (root, or a user namespace that allows it).
        static let canMount: Bool = {
            let probe = Harness.tempDir("mount-probe")
            defer { try? FileManager.default.removeItem(atPath: probe) }
            guard mount("tmpfs", probe, "tmpfs", 0, "size=1m") == 0 else { return false }
            umount(probe)
            return true
        }()

        @Test(.enabled(if: canMount, "mounting a tmpfs needs root"), .timeLimit(.minutes(3)))
        func writesAnswer507HealthSaysSoAndAllComesBackWhenSpaceReturns() async throws {
            var data = ""
            let suite = try SuiteTests.Suite("diskfull") { dir in
                data = "\(dir)/data"
                try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
                guard mount("tmpfs", data, "tmpfs", 0, "size=64m") == 0 else { throw CocoaError(.fileWriteNoPermission) }
            }
            defer { umount2(data, Int32(MNT_DETACH)) }
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let shop = try await ReceiptsAPITests.Shop(suite)
            let http = shop.http
            let before = try await shop.orderOutForDelivery()
            let photo = try Data(contentsOf: Harness.packageRoot.appendingPathComponent("Tests/Fixtures/media/photo.jpg"))

            // Fill the disk.
            let filler = "\(data)/filler"
            _ = try await Harness.run(path: "dd", ["if=/dev/zero", "of=\(filler)", "bs=1M", "count=128"])
            #expect(DiskFree.bytes(data) < 1 << 20, "the disk is not full")

            // Orders: what still fits in the write-ahead log is taken (201), then 507 with its code; never a 500.
            var created = 0
            var statuses: [String] = []
            for i in 0..<200 {
                let r = await http.json("POST", "/v1/orders", token: shop.staff, Self.order(i))
                statuses.append(r.code)
                if r.status == 201 { created += 1 } else { break }
            }
            #expect(statuses.last == "507 insufficient_storage", "\(statuses.suffix(3))")
            #expect(!statuses.contains { $0.hasPrefix("500") })
            let upload = await http.upload(photo, type: "image/jpeg", order: before, token: shop.courier)
            #expect(upload.code == "507 insufficient_storage", "\(upload.code) \(upload.json)")
            // Health: 503, and the detail names the disk.
            #expect(await Harness.waitFor(.seconds(10)) { await suite.health().0 == 503 })
            let detail = await suite.health().1
            let disks = (detail["services"] as? [[String: Any]] ?? []).compactMap { ($0["checks"] as? [String: String])?["disk"] }
            #expect(disks.contains { $0.hasPrefix("disk full") }, "\(detail)")

            // Space returns: healthy again on its own, writes work, nothing taken before was lost.
            try FileManager.default.removeItem(atPath: filler)
            #expect(await suite.waitHealthy(.seconds(20)), "no recovery:\n\(suite.up.log.suffix(2000))")
            #expect(await http.json("POST", "/v1/orders", token: shop.staff, Self.order(999)).status == 201)
            #expect(await http.upload(photo, type: "image/jpeg", order: before, token: shop.courier).status == 201)
            let all = await http.request("GET", "/v1/orders?limit=200", token: shop.staff)
            #expect((all.json["items"] as? [Any])?.count == 1 + created + 1, "\(created) taken while full")
            #expect(await suite.stop())
        }

        static func order(_ i: Int) -> [String: Any] {
            let fmt = ISO8601DateFormatter()
            return [
                "shopId": "s1", "customer": ["id": "c\(i)", "name": "Mei"],
                "recipient": ["name": "Mother", "address": "Karl-Marx-Allee \(i)", "lat": 52.5208, "lon": 13.4095],
                "items": [["name": "carnations", "quantity": 12]], "notes": String(repeating: "n", count: 3000),
                "window": [
                    "start": fmt.string(from: Date().addingTimeInterval(3600)), "end": fmt.string(from: Date().addingTimeInterval(7200)),
                ],
            ]
        }
    }

    enum DiskFree {
        static func bytes(_ path: String) -> Int64 {
            var st = statvfs()
            guard statvfs(path, &st) == 0 else { return -1 }
            return Int64(st.f_bavail) * Int64(st.f_frsize)
        }
    }
}

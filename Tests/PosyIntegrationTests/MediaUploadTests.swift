import Foundation
import PosyCLI
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension Integration {
    /// Uploads through the real gateway and `posy-receipts`: every listed type is taken and
    /// checked against its magic, big uploads stream without either process holding them, and an
    /// upload over the limit is refused while it is still being sent.
    @Suite(.serialized) struct MediaUploadTests {
        @Test(.timeLimit(.minutes(4)))
        func typesLimitsAndStreamingWithLowMemory() async throws {
            let suite = try SuiteTests.Suite("media-upload")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let shop = try await ReceiptsAPITests.Shop(suite)
            let http = shop.http
            let order = try await shop.orderOutForDelivery()

            // Every listed type, declared as it is.
            let samples = [
                ("photo.jpg", "image/jpeg"), ("photo.png", "image/png"), ("photo.webp", "image/webp"),
                ("photo.heic", "image/heic"), ("voice.opus", "audio/ogg"), ("voice.aac", "audio/aac"),
                ("voice.m4a", "audio/mp4"), ("voice.amr", "audio/amr"), ("voice.mp3", "audio/mpeg"),
                ("voice.wav", "audio/wav"), ("clip.mp4", "video/mp4"), ("clip.mov", "video/quicktime"),
                ("clip.webm", "video/webm"),
            ]
            for (name, type) in samples {
                let r = await http.upload(try MediaClient.fixture(name), type: type, order: order, token: shop.courier)
                #expect(r.status == 201 && r.json["contentType"] as? String == type, "\(name): \(r.code) \(r.json)")
            }
            // A PNG declared as JPEG, a renamed executable, a type Posy does not take, no type at all.
            let png = try MediaClient.fixture("photo.png")
            #expect(await http.upload(png, type: "image/jpeg", order: order, token: shop.courier).code == "415 unsupported_media_type")
            let elf = try Data(contentsOf: URL(fileURLWithPath: "/bin/true"))
            #expect(await http.upload(elf, type: "image/jpeg", order: order, token: shop.courier).code == "415 unsupported_media_type")
            #expect(await http.upload(elf, type: "video/mp4", order: order, token: shop.courier).code == "415 unsupported_media_type")
            #expect(
                await http.upload(elf, type: "application/x-msdownload", order: order, token: shop.courier).code
                    == "415 unsupported_media_type")
            #expect(
                await http.request("POST", "/v1/media?orderId=\(order)", token: shop.courier, body: png).code
                    == "415 unsupported_media_type")
            #expect(
                await http.request("POST", "/v1/media", token: shop.courier, body: png, headers: ["Content-Type": "image/png"]).code
                    == "422 invalid_field")
            // Multipart, as a browser form sends it: the same bytes, the same hash.
            let boundary = "----posy\(UUID().uuidString.prefix(8))"
            var form = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nat the door\r\n".utf8)
            form += Data(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"door.png\"\r\nContent-Type: image/png\r\n\r\n"
                    .utf8)
            form += png + Data("\r\n--\(boundary)--\r\n".utf8)
            let multipart = await http.request(
                "POST", "/v1/media?orderId=\(order)", token: shop.courier, body: form,
                headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"])
            #expect(
                multipart.status == 201 && multipart.json["sha256"] as? String == ReceiptsAPITests.sha256(png),
                "\(multipart.code) \(multipart.json)")

            // Over the limit with a Content-Length: refused before any byte moves.
            var big = Data([0xFF, 0xD8, 0xFF, 0xE0])
            big.append(Data(count: 11 << 20))
            #expect(await http.upload(big, type: "image/jpeg", order: order, token: shop.courier).code == "413 too_large")
            // Chunked, far over: answered 413 while the client is still sending.
            let (pyStatus, pyOut) = try await Harness.run(
                path: "python3",
                [
                    Harness.packageRoot.appendingPathComponent("Tests/python/upload_over_limit.py").path, "\(suite.httpPort)",
                    "/v1/media?orderId=\(order)", shop.courier, "image/jpeg", "\(64 << 20)",
                ])
            let over = try #require(try JSONSerialization.jsonObject(with: Data(pyOut.utf8)) as? [String: Any], "\(pyStatus) \(pyOut)")
            #expect(over["status"] as? Int == 413 && (over["body"] as? String)?.contains("too_large") == true, "\(pyOut)")
            #expect((over["sent"] as? Int ?? Int.max) < 32 << 20, "the gateway read on past the limit: \(pyOut)")

            // A 50 MiB video: streamed end to end; neither process's peak memory rises by more than 16 MiB.
            let dir = "\(suite.dir)/video"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let video = "\(dir)/ride.mp4"
            var head = try MediaClient.fixture("clip.mp4")
            head.append(Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }))
            _ = FileManager.default.createFile(atPath: video, contents: nil)
            let out = try FileHandle(forWritingTo: URL(fileURLWithPath: video))
            for i in 0..<50 {
                var block = head
                block[block.count - 1] = UInt8(i)
                out.write(i == 0 ? block : block.suffix(1 << 20))
            }
            try out.close()
            let size = try #require(try FileManager.default.attributesOfItem(atPath: video)[.size] as? Int)
            let health = await suite.health().1
            let pids = try ["gateway", "receipts"].map { try #require(suite.row(health, $0)?["pid"] as? Int, "no pid for \($0)") }
            let before = pids.map { ProcessMemory.resetPeak(Int32($0)) }
            let (curlStatus, curlOut) = try await Harness.run(
                path: "curl",
                [
                    "-sS", "-X", "POST", "-T", video, "-H", "Authorization: Bearer \(shop.courier)", "-H", "Content-Type: video/mp4",
                    "-H", "Expect:", "\(http.base)/v1/media?orderId=\(order)",
                ], timeout: .seconds(120))
            let peaks = pids.map { ProcessMemory.peak(Int32($0)) }
            let stored = try #require(
                try JSONSerialization.jsonObject(with: Data(curlOut.utf8)) as? [String: Any], "\(curlStatus) \(curlOut)")
            let (_, shaOut) = try await Harness.run(path: "sha256sum", [video])
            #expect(stored["sha256"] as? String == String(shaOut.prefix(64)) && stored["size"] as? Int == size, "\(stored)")
            for (i, name) in ["gateway", "receipts"].enumerated() {
                let rise = peaks[i] - before[i]
                print(
                    "\(name): RSS \(before[i] >> 10) KiB before, peak \(peaks[i] >> 10) KiB during the 50 MiB upload (+\(rise >> 10) KiB)")
                #expect(before[i] > 0 && rise <= 16 << 20, "\(name) peak rose by \(rise >> 10) KiB")
            }
            // Seeking into the video returns the right bytes.
            let id = try #require(stored["id"] as? String)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: video))
            let seek = await http.request("GET", "/v1/media/\(id)", token: shop.staff, headers: ["Range": "bytes=41943040-41943139"])
            #expect(seek.status == 206 && seek.body == bytes.subdata(in: 41_943_040..<41_943_140))
            let tail = await http.request("GET", "/v1/media/\(id)", token: shop.customer, headers: ["Range": "bytes=\(size - 3_000_000)-"])
            #expect(tail.status == 206 && tail.body == bytes.suffix(3_000_000))
            #expect(await suite.stop())
        }
    }
}

import Foundation
import PosySchema
import Testing

extension Integration {
    /// Address search through the gateway against a local fake of Nominatim and AMap
    /// (`Tests/python/geocoder_fake.py`): candidates in WGS-84, cached, spaced, and every failure named.
    @Suite(.serialized) struct GeocoderTests {
        final class Fake: @unchecked Sendable {
            let port = Harness.freePorts(1)
            let process = Process()

            init() throws {
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = [
                    "python3", Harness.packageRoot.appendingPathComponent("Tests/python/geocoder_fake.py").path, "\(port)",
                ]
                try process.run()
            }

            var base: String { "http://127.0.0.1:\(port)" }
            func ready() async -> Bool { await Harness.waitFor(.seconds(10)) { await Harness.get("\(self.base)/log").0 == 200 } }
            func log() async -> [[String: Any]] {
                (try? JSONSerialization.jsonObject(with: await Harness.get("\(base)/log").1)) as? [[String: Any]] ?? []
            }
            deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        }

        static func search(_ http: MediaClient, _ q: String, token: String, shop: String = "s1") async -> MediaClient.Reply {
            let encoded = q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? q
            return await http.request("GET", "/v1/geocode?q=\(encoded)&shop=\(shop)", token: token)
        }

        @Test(.timeLimit(.minutes(4)))
        func addressesFoundNearTheShopInWGS84CachedSpacedAndEveryFailureNamed() async throws {
            let fake = try Fake()
            #expect(await fake.ready())
            let suite = try SuiteTests.Suite("geocoder-nominatim", environment: ["POSY_GEOCODER": "nominatim:\(fake.base)"])
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let shop = try await ReceiptsAPITests.Shop(suite)
            let http = shop.http

            let found = await Self.search(http, "88 Xinhua Road", token: shop.staff)
            #expect(found.status == 200, "\(found.code) \(found.json)")
            let first = try #require((found.json["candidates"] as? [[String: Any]])?.first)
            #expect(first["address"] as? String == "88 Xinhua Road, Changning, Shanghai, China")
            #expect(first["lat"] as? Double == 31.21 && first["lon"] as? Double == 121.43 && first["kind"] as? String == "house")
            #expect(found.json["cached"] as? Bool == false && found.json["provider"] as? String == "nominatim")
            // Near the shop: the request carried a box around it, and said who asks.
            let asked = try #require(await fake.log().first)
            let box = ((asked["query"] as? [String: Any])?["viewbox"] as? String ?? "").split(separator: ",").compactMap { Double($0) }
            #expect(box.count == 4 && box[0] < 13.4132 && box[2] > 13.4132 && box[3] < 52.5219 && box[1] > 52.5219, "\(asked)")
            #expect((asked["agent"] as? String)?.hasPrefix("Posy/") == true)

            // The same search again is the cache's; a new one waits for its slot (one call a second).
            let again = await Self.search(http, "88 xinhua road", token: shop.staff)
            let logged = await fake.log()
            #expect(again.json["cached"] as? Bool == true && logged.count == 1)
            _ = await Self.search(http, "Lotus Lane", token: shop.staff)
            let times = (await fake.log()).compactMap { $0["at"] as? Double }
            #expect(times.count == 2 && times[1] - times[0] >= 0.95, "\(times)")

            // Bad input, and the provider's failures, each named; a timeout never hangs.
            #expect(await Self.search(http, "   ", token: shop.staff).code == "422 invalid_field")
            #expect(await Self.search(http, String(repeating: "花", count: 1_000), token: shop.staff).code == "422 invalid_field")
            #expect(await http.request("GET", "/v1/geocode?q=x", token: shop.staff).code == "422 invalid_field")
            #expect(await Self.search(http, "boom", token: shop.staff).code == "502 bad_gateway")
            #expect(await Self.search(http, "junk", token: shop.staff).code == "502 bad_gateway")
            #expect(await Self.search(http, "busy", token: shop.staff).code == "503 unavailable")
            let started = Date()
            let slow = await Self.search(http, "slow street", token: shop.staff)
            #expect(
                slow.code == "504 timeout" && Date().timeIntervalSince(started) < 8,
                "\(slow.code) after \(Date().timeIntervalSince(started)) s")
            // Only who may see the shop searches near it.
            #expect(await Self.search(http, "88 Xinhua Road", token: shop.otherStaff).code == "404 not_found")
            #expect(await http.request("GET", "/v1/geocode?q=x&shop=s1", token: nil).status == 401)
            #expect(await suite.stop())

            // AMap: its GCJ-02 answer comes back in WGS-84; a refused key is the provider's error.
            let amap = try SuiteTests.Suite("geocoder-amap", environment: ["POSY_GEOCODER": "amap:testkey123@\(fake.base)"])
            #expect(await amap.waitHealthy(), "healthz never 200:\n\(amap.up.log.suffix(3000))")
            let shopB = try await ReceiptsAPITests.Shop(amap)
            let gcj = await Self.search(shopB.http, "新华路88号", token: shopB.staff)
            let candidate = try #require((gcj.json["candidates"] as? [[String: Any]])?.first, "\(gcj.code) \(gcj.json)")
            let expected = ChinaCoordinates.wgs(fromGCJ: .init(lat: 31.208012, lon: 121.434440))
            #expect(candidate["address"] as? String == "上海市长宁区新华路88号")
            #expect(
                abs((candidate["lat"] as? Double ?? 0) - expected.lat) < 1e-9
                    && abs((candidate["lon"] as? Double ?? 0) - expected.lon) < 1e-9)
            #expect(Geo.distance(lat1: expected.lat, lon1: expected.lon, lat2: 31.208012, lon2: 121.434440) > 300, "shifted back to WGS-84")
            #expect(await amap.stop())
            let refused = try SuiteTests.Suite("geocoder-amap-key", environment: ["POSY_GEOCODER": "amap:wrongkey@\(fake.base)"])
            #expect(await refused.waitHealthy())
            let shopC = try await ReceiptsAPITests.Shop(refused)
            let bad = await Self.search(shopC.http, "新华路", token: shopC.staff)
            #expect(bad.code == "502 bad_gateway" && (bad.json["message"] as? String)?.contains("INVALID_USER_KEY") == true, "\(bad.json)")
            #expect(await refused.stop())
        }
    }
}

import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import PosySchema

/// Address search through the configured provider (docs/operations.md, "Address search"): answers
/// cached for a day; calls spaced as the provider's usage policy asks (a caller waits for its slot
/// up to three seconds, then hears 503); the provider's errors answer 502 and its silence 504 after
/// five seconds — never a hang.
actor Geocoder {
    let provider: GeocoderProvider
    let logger: Logger
    private var cache: [String: (at: ContinuousClock.Instant, candidates: [GeocodeCandidate])] = [:]
    private var nextSlot = ContinuousClock.now

    static let cacheLife: Duration = .seconds(86_400)
    static let cacheSize = 5_000
    static let timeout: Duration = .seconds(5)
    static let longestWait: Duration = .seconds(3)

    init(provider: GeocoderProvider, logger: Logger) {
        self.provider = provider
        self.logger = logger
    }

    func search(_ query: String, near shop: Shop, language: String) async throws -> GeocodeResult {
        let key = "\(shop.id)|\(language)|\(query.lowercased())"
        let now = ContinuousClock.now
        if let hit = cache[key], now - hit.at < Self.cacheLife {
            return GeocodeResult(query: query, provider: provider.name, candidates: hit.candidates, cached: true)
        }
        // Take the next slot now, so concurrent callers line up behind it.
        let slot = max(nextSlot, now)
        guard slot - now <= Self.longestWait else {
            throw PosyError(.unavailable, "the geocoder is busy (its provider takes a call every \(provider.spacing)): try again shortly")
        }
        nextSlot = slot + provider.spacing
        if slot > now { try await Task.sleep(until: slot) }
        let candidates = try await fetch(provider.url(for: query, near: shop, language: language))
        if cache.count >= Self.cacheSize, let oldest = cache.min(by: { $0.value.at < $1.value.at })?.key { cache[oldest] = nil }
        cache[key] = (ContinuousClock.now, candidates)
        return GeocodeResult(query: query, provider: provider.name, candidates: candidates, cached: false)
    }

    private func fetch(_ url: String) async throws -> [GeocodeCandidate] {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(3), read: .seconds(5)))
        configuration.decompression = .enabled(limit: .size(4 << 20))
        // One client per call: searches are few (debounced, cached), and none outlives its caller.
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        defer { _ = client.shutdown() }
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "User-Agent", value: "Posy/1 (flower delivery; address search)")
        request.headers.add(name: "Accept", value: "application/json")
        let body: Data
        let status: UInt
        do {
            let response = try await client.execute(request, timeout: .seconds(5))
            status = response.status.code
            var collected = ByteBuffer()
            for try await chunk in response.body {
                collected.writeImmutableBuffer(chunk)
                if collected.readableBytes > 1 << 20 { throw PosyError(.badGateway, "the geocoder's answer is over 1 MiB") }
            }
            body = Data(collected.readableBytesView)
        } catch let e as PosyError {
            throw e
        } catch let e as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout].contains(e) {
            logger.warning("geocoder timed out", metadata: ["provider": "\(provider.name)"])
            throw PosyError(.timeout, "the geocoder did not answer within 5 s")
        } catch {
            logger.warning("geocoder unreachable", metadata: ["provider": "\(provider.name)", "error": "\(error)"])
            throw PosyError(.badGateway, "the geocoder could not be reached")
        }
        if status == 429 { throw PosyError(.unavailable, "the geocoder's provider is rate limiting: try again shortly") }
        guard (200..<300).contains(status) else {
            logger.warning("geocoder refused", metadata: ["provider": "\(provider.name)", "status": "\(status)"])
            throw PosyError(.badGateway, "the geocoder answered \(status)")
        }
        return try provider.candidates(from: body)
    }
}

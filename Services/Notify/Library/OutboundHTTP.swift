import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// POSTs for posy-notify's HTTP channels (webhooks, the SMS provider) with AsyncHTTPClient: one
/// client per attempt, redirects never followed, and — for a URL that is a shop's input — the host
/// resolved, checked (``NetworkDestination``) and the connection pinned to the checked address.
struct OutboundHTTP: Sendable {
    /// Seconds one call may take.
    let timeout: Double
    /// Whether checked calls may go to loopback and private addresses (`--allow-local-targets`).
    let allowLocal: Bool
    let logger: Logger

    /// One POST. `checked`: resolve and check the host first, and connect only to the checked address.
    /// Header values are Posy's own (ids, event types, signatures); each is checked to be one line.
    func post(
        _ url: String, body: Data, contentType: String, checked: Bool, headers: [(String, String)]
    ) async throws(OutboundFailure) -> Int {
        try await exchange(.POST, url, body: body, contentType: contentType, checked: checked, headers: headers, keep: 0).status
    }

    /// One request whose answer matters (a provider's reply): its status and up to `keep` bytes of its body.
    func exchange(
        _ method: HTTPMethod, _ url: String, body: Data, contentType: String, checked: Bool, headers: [(String, String)], keep: Int
    ) async throws(OutboundFailure) -> (status: Int, body: Data) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5), read: .milliseconds(Int64(timeout * 1000))))
        configuration.decompression = .disabled
        if checked {
            let host: String
            let destination: NetworkDestination
            do throws(NetworkDestination.Refusal) {
                host = try NetworkDestination.host(of: url, allowLocal: allowLocal)
                destination = try await NetworkDestination.resolve(host, allowLocal: allowLocal)
            } catch .badURL(let why) {
                throw .badTarget(why)
            } catch .unresolved {
                throw .unreachable
            } catch {
                logger.warning("webhook destination refused", metadata: ["url": "\(url)", "why": "\(error)"])
                throw .notAllowed
            }
            if !destination.isLiteral {
                // Pinned under the name as checked (lower case) and as the URL writes it, whichever the client asks.
                let written = URLComponents(string: url)?.host ?? host
                configuration.dnsOverride = [host: destination.address, written: destination.address]
            }
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.body = .bytes(ByteBuffer(bytes: body))
        for (name, value) in [("Content-Type", contentType), ("User-Agent", "Posy-Notify/1")] + headers {
            guard !value.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }) else { throw .unsafeValue("header \(name) is not one line") }
            request.headers.add(name: name, value: value)
        }
        // One client per attempt: its connection goes to this attempt's checked address only.
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let result: Result<(status: Int, body: Data), OutboundFailure>
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            var read = 0
            var kept = Data()
            for try await chunk in response.body {  // beyond `keep`, a little is read so the call completes
                read += chunk.readableBytes
                if kept.count < keep { kept += Data(chunk.readableBytesView.prefix(keep - kept.count)) }
                if read > max(keep, 64 * 1024) { break }
            }
            result = .success((Int(response.status.code), kept))
        } catch {
            logger.info("outbound HTTP attempt failed", metadata: ["url": "\(url)", "error": "\(error)"])
            result = .failure(Self.classify(error))
        }
        try? await client.shutdown()
        return try result.get()
    }

    static func classify(_ error: any Error) -> OutboundFailure {
        if let e = error as? HTTPClientError {
            if [.connectTimeout, .deadlineExceeded, .readTimeout, .writeTimeout].contains(e) { return .timeout }
            if String(describing: e).localizedCaseInsensitiveContains("tls") { return .tls }
            return .unreachable
        }
        return String(reflecting: type(of: error)).contains("SSL") ? .tls : .unreachable
    }
}

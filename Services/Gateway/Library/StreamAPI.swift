import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import PosyAccess
import PosyAuth
import PosySchema

/// `GET /v1/stream`: a WebSocket of the events the caller may see, pushed live (``StreamSession``).
///
/// The token comes as `Authorization: Bearer` or, for browsers, as the subprotocol
/// `posy.bearer.<token>` next to `posy.v1` (answered with `posy.v1`) — or `?access_token=`, which
/// only the tracking link should use since it puts the token in a URL; a client resumes
/// with the last `id` it saw as `?after=` or `Last-Event-ID`. A request that fails those checks is
/// not upgraded and gets the JSON error (401, 400); a valid one that does not ask to upgrade gets 426.
/// The connection closes when the token expires (close code 4001; reconnect with a fresh token and
/// the last id). A gateway holding all the streams it can refuses one more with 503 and `Retry-After`.
enum StreamAPI {
    static let path = "v1/stream"
    /// Close code when the token expires (4000–4999 are the application's own).
    static let tokenExpiredCode = 4001
    /// Close code when the session ended (signed out, the person removed): sign in again.
    static let accessEndedCode = 4003
    /// The subprotocol a browser offers to carry its token, and the one the gateway answers with.
    static let bearerProtocolPrefix = "posy.bearer."
    static let subprotocol = "posy.v1"
    /// Pushes a connection may have waiting before it is closed as too slow (it resyncs on reconnect).
    static let maxQueuedPushes = 10_000

    /// The HTTP side: a request that checks out but does not ask to upgrade gets 426.
    static func addRoutes(to router: Router<GatewayRequestContext>, api: APIContext) {
        router.get(RouterPath(path)) { request, _ -> Response in
            _ = try check(request, api: api)
            throw PosyError(.upgradeRequired, "GET /v1/stream is a WebSocket: ask to upgrade (Upgrade: websocket)")
        }
    }

    /// The WebSocket side, fed by `hub`.
    static func register(webSocketRouter: Router<BasicWebSocketRequestContext>, api: APIContext, hub: StreamHub) {
        webSocketRouter.ws(RouterPath(path)) { request, _ in
            // Authenticated and rate-counted in `preflight`, before the upgrade pipeline; a session
            // that ended is refused here, where posy-orders can be asked.
            let (claims, _) = try check(request, api: api, countRate: false)
            try await api.access.admit(claims)
            let offered = request.headers[values: .secWebSocketProtocol].flatMap { $0.split(separator: ",") }
            guard offered.contains(where: { $0.trimmingCharacters(in: .whitespaces) == subprotocol }) else { return .upgrade([:]) }
            return .upgrade([.secWebSocketProtocol: subprotocol])
        } onUpgrade: { inbound, outbound, context in
            // Checked (and rate-counted) before the upgrade; read the claims again without counting.
            guard let (claims, cursor) = try? check(context.request, api: api, countRate: false) else { return }
            let session = StreamSession(
                hub: hub, viewer: Viewer(claims), cursor: cursor,
                send: { text in try await outbound.write(.text(text)) },
                positionCadenceMs: claims.role == .courier ? api.config.positionCadenceMs : nil)
            // How the connection ended decides how it is closed: a token that expired closes with
            // 4001, a session that ended with 4003; a client frame the WebSocket layer refused (over
            // 64 KiB: 1009, invalid UTF-8: 1007) is rethrown so that layer closes with its code.
            enum End: Sendable {
                case quiet, expired, ended
                case refused(any Error)
            }
            enum Outgoing: Sendable {
                case frame(String)
                case end(End)
            }
            // Pushes arrive on the hub's bus thread, the token's expiry from the hub's deadline loop
            // and a session's end from the access guard: all queue here, and one task writes them.
            // No timer or task per stream waits for them (docs/architecture.md, "Idle costs nothing").
            let (pushes, queue) = AsyncStream.makeStream(of: Outgoing.self, bufferingPolicy: .bufferingNewest(maxQueuedPushes))
            let registration = hub.pushes.register(claims) { frame in
                if case .dropped = queue.yield(.frame(frame)) { queue.finish() }  // too far behind: close; the client resyncs
            }
            defer { hub.pushes.unregister(registration) }
            let deadline = hub.deadlines.add(at: Int(clamping: claims.exp)) { queue.yield(.end(.expired)) }
            defer { hub.deadlines.remove(deadline) }
            let watch = claims.sid.map { sid in (sid, api.access.watch(sid) { queue.yield(.end(.ended)) }) }
            defer { if let (sid, n) = watch { api.access.cancel(sid, n) } }
            let chat = ChatGateway(api: api)
            hub.host.metrics.increment("stream_connections")
            hub.capacity.opened()
            defer { hub.capacity.closed() }
            let end = await withTaskGroup(of: End.self) { group -> End in
                group.addTask {
                    var session = session
                    try? await session.run()
                    return .quiet
                }
                group.addTask {
                    for await item in pushes {
                        switch item {
                        case .frame(let frame):
                            guard (try? await outbound.write(.text(frame))) != nil else { return .quiet }
                        case .end(let end):
                            return end
                        }
                    }
                    return .quiet
                }
                group.addTask {
                    // Client frames (StreamFrames), one at a time in the order sent; reading also handles pings and close.
                    do {
                        for try await message in inbound.messages(maxSize: StreamFrames.maxFrame) {
                            guard case .text(let text) = message else { continue }
                            let reply = await StreamFrames.handle(text, claims: claims, chat: chat)
                            try await outbound.write(.text(reply))
                        }
                    } catch {
                        return Task.isCancelled ? .quiet : .refused(error)
                    }
                    return .quiet
                }
                let first = await group.next() ?? .quiet
                group.cancelAll()
                return first
            }
            queue.finish()
            switch end {
            case .quiet: break
            case .expired: try? await outbound.close(.init(codeNumber: tokenExpiredCode), reason: "token expired")
            case .ended: try? await outbound.close(.init(codeNumber: accessEndedCode), reason: "session ended")
            case .refused(let error): throw error
            }
        }
    }

    /// Runs for every WebSocket upgrade request before the upgrade pipeline (``RequestHeadGuard``):
    /// a request to the stream that fails authentication, its rate or its `after` gets the JSON
    /// error with its status (401, 429 with `Retry-After`, 400) — the pipeline itself could answer
    /// only a bare 400. Upgrades to any other path are left to the router (404).
    static func preflight(api: APIContext, hub: StreamHub) -> RequestHeadGuard.Preflight {
        { upgrade in
            guard URI(upgrade.target).path == "/" + path else { return nil }
            // Full: refused before anything is spent on it (docs/operations.md, "Open files").
            if hub.capacity.isFull {
                hub.host.metrics.increment("stream_refused_capacity")
                return refusal(
                    PosyError(.unavailable, "this gateway holds all the live streams it can; try again shortly"),
                    [("Retry-After", "\(StreamCapacity.retryAfter)")])
            }
            var fields = HTTPFields()
            for (name, value) in upgrade.headers {
                if let n = HTTPField.Name(name) { fields.append(HTTPField(name: n, value: value)) }
            }
            let request = Request(
                head: HTTPRequest(method: .get, scheme: nil, authority: nil, path: upgrade.target, headerFields: fields),
                body: .init(buffer: ByteBuffer()))
            do {
                let (claims, _) = try check(request, api: api)
                if api.access.hasEnded(claims.sid) { throw AccessGuard.ended }
                return nil
            } catch let e as RateLimited {
                return refusal(e.error, [("Retry-After", e.retryAfterHeader)])
            } catch let e as PosyError {
                return refusal(e, e.code == .unauthorized ? [("WWW-Authenticate", "Bearer")] : [])
            } catch {
                return refusal(PosyError(.badRequest, "bad stream request"), [])
            }
        }
    }

    static func refusal(_ e: PosyError, _ headers: [(String, String)]) -> RequestHeadGuard.Refusal {
        let status = e.code.httpStatus
        return RequestHeadGuard.Refusal(
            status: status, reason: RequestHeadGuard.reason(status),
            headers: [("Content-Type", "application/json")] + headers,
            body: String(decoding: JSON.encodeOrEmpty(e), as: UTF8.self))
    }

    /// The caller's claims and the position to start from; throws the error to answer with.
    static func check(_ request: Request, api: APIContext, countRate: Bool = true) throws -> (TokenClaims, StreamCursor) {
        let claims = countRate ? try api.authenticate(request, queryToken: true) : try api.verify(request, queryToken: true)
        let after =
            request.uri.queryParameters.get("after") ?? request.headers.first(where: { $0.name.canonicalName == "last-event-id" })?.value
        let cursor = try after.map { try StreamCursor(text: $0) } ?? StreamCursor()
        return (claims, cursor)
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import PosyAccess
import PosyAuth
import PosySchema

/// `GET /v1/stream`: a WebSocket of the events the caller may see, pushed live (``StreamSession``,
/// driven by ``StreamLink`` on a connection ``StreamUpgrade`` set up).
///
/// The token comes as `Authorization: Bearer` or, for browsers, as the subprotocol
/// `posy.bearer.<token>` next to `posy.v1` (answered with `posy.v1`) — or `?access_token=`, which
/// only the tracking link should use since it puts the token in a URL; a client resumes
/// with the last `id` it saw as `?after=` or `Last-Event-ID`. A request that fails those checks is
/// not upgraded and gets the JSON error (401, 400); a valid one that does not ask to upgrade gets 426.
/// The connection closes when the token expires (close code 4001; reconnect with a fresh token and
/// the last id). A gateway holding all the streams it can refuses one more with 503 and `Retry-After`;
/// one person holding their share of them (``StreamCapacity/perPerson``), with 429.
enum StreamAPI {
    static let path = "v1/stream"
    /// Close code when the token expires (4000–4999 are the application's own).
    static let tokenExpiredCode = 4001
    /// Close code when the session ended (signed out, the person removed): sign in again.
    static let accessEndedCode = 4003
    /// The subprotocol a browser offers to carry its token, and the one the gateway answers with.
    static let bearerProtocolPrefix = "posy.bearer."
    static let subprotocol = "posy.v1"
    /// Pushes a connection may have waiting before it is closed as too slow (it resyncs on
    /// reconnect), in frames and in bytes: a slow client costs the gateway at most this much
    /// besides the kernel's socket buffer.
    static let maxQueuedPushes = 10_000
    static let maxQueuedBytes = 4 << 20

    /// The HTTP side: a request that checks out but does not ask to upgrade gets 426.
    static func addRoutes(to router: Router<GatewayRequestContext>, api: APIContext) {
        router.get(RouterPath(path)) { request, _ -> Response in
            _ = try check(request, api: api)
            throw PosyError(.upgradeRequired, "GET /v1/stream is a WebSocket: ask to upgrade (Upgrade: websocket)")
        }
    }

    /// Runs for every WebSocket upgrade request (``RequestHeadGuard``): a request to the stream that
    /// fails authentication, its rate, its `after` or the gateway's capacity gets the JSON error with
    /// its status (401, 429 with `Retry-After`, 400, 503); one that passes is taken over
    /// (``StreamUpgrade``). Upgrades to any other path, or not a `GET` asking for it with
    /// `Connection: Upgrade`, are left to the router (404, 426).
    static func preflight(api: APIContext, hub: StreamHub) -> RequestHeadGuard.Preflight {
        { upgrade in
            guard URI(upgrade.target).path == "/" + path, upgrade.method == "GET",
                upgrade.headers["connection"]?.lowercased().split(separator: ",").contains(where: {
                    $0.trimmingCharacters(in: .whitespaces) == "upgrade"
                }) == true
            else { return .pass }
            // Full: refused before anything is spent on it (docs/operations.md, "Open files").
            guard let slot = hub.capacity.take() else {
                hub.host.metrics.increment("stream_refused_capacity")
                return .refuse(
                    refusal(
                        PosyError(.unavailable, "this gateway holds all the live streams it can; try again shortly"),
                        [("Retry-After", "\(StreamCapacity.retryAfter)")]))
            }
            var fields = HTTPFields()
            for (name, value) in upgrade.headers {
                if let n = HTTPField.Name(name) { fields.append(HTTPField(name: n, value: value)) }
            }
            let request = Request(
                head: HTTPRequest(method: .get, scheme: nil, authority: nil, path: upgrade.target, headerFields: fields),
                body: .init(buffer: ByteBuffer()))
            do {
                let (claims, cursor) = try check(request, api: api)
                if api.access.hasEnded(claims.sid) { throw AccessGuard.ended }
                guard slot.hold(person: "\(claims.role.rawValue):\(claims.sub)") else {
                    slot.release()
                    hub.host.metrics.increment("stream_refused_person")
                    return .refuse(
                        refusal(
                            PosyError(
                                .rateLimited,
                                "you hold \(hub.capacity.perPerson) live streams on this gateway already; close one to open another"),
                            [("Retry-After", "\(StreamCapacity.retryAfter)")]))
                }
                let offered = (upgrade.headers["sec-websocket-protocol"] ?? "").split(separator: ",")
                let answer = offered.contains { $0.trimmingCharacters(in: .whitespaces) == subprotocol } ? subprotocol : nil
                return .takeOver(
                    StreamUpgrade(
                        api: api, hub: hub, claims: claims, cursor: cursor, key: upgrade.headers["sec-websocket-key"] ?? "",
                        subprotocol: answer, slot: slot
                    ).begin)
            } catch let e as RateLimited {
                slot.release()
                return .refuse(refusal(e.error, [("Retry-After", e.retryAfterHeader)]))
            } catch let e as PosyError {
                slot.release()
                return .refuse(refusal(e, e.code == .unauthorized ? [("WWW-Authenticate", "Bearer")] : []))
            } catch {
                slot.release()
                return .refuse(refusal(PosyError(.badRequest, "bad stream request"), []))
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

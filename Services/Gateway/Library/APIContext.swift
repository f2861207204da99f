import Foundation
import Hummingbird
import PosyAccess
import PosyAuth
import PosyCore
import PosySchema

/// What every API route needs: authentication, bounded JSON bodies, RPC to the owning service,
/// and errors as `{"code","message"}` with the status their code stands for.
struct APIContext: Sendable {
    let host: ServiceHost
    let signer: TokenSigner
    let config: GatewayConfig
    let limiter: RateLimiter
    static let maxBody = 1 << 20

    /// Thrown when a token is over its rate; answered 429 with `Retry-After`.
    struct RateLimited: Error {
        let retryAfter: Double

        var body: PosyError {
            PosyError(.rateLimited, "too many requests for this token; retry after \(Int(retryAfter.rounded(.up))) s")
        }

        /// Whole seconds, at least 1.
        var retryAfterHeader: String { "\(max(1, Int(retryAfter.rounded(.up))))" }
    }

    /// The verified claims of the request's bearer token, within the token's rate. With
    /// `queryToken` (the WebSocket stream: browsers cannot set headers on it) the token may also come
    /// as `?access_token=`.
    func authenticate(_ request: Request, queryToken: Bool = false) throws -> TokenClaims {
        let claims = try verify(request, queryToken: queryToken)
        if let wait = limiter.check("\(claims.role.rawValue):\(claims.sub):\(claims.order ?? "")") {
            throw RateLimited(retryAfter: wait)
        }
        return claims
    }

    /// The verified claims of the request's bearer token (no rate accounting).
    func verify(_ request: Request, queryToken: Bool = false) throws -> TokenClaims {
        let token: String
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        } else if queryToken, let t = request.uri.queryParameters.get("access_token"), !t.isEmpty {
            token = t
        } else {
            throw PosyError(.unauthorized, "missing bearer token")
        }
        do {
            return try signer.verify(token)
        } catch {
            throw PosyError(.unauthorized, error.description)
        }
    }

    /// The JSON body as `T`: 413 over `limit` (1 MiB unless the route says), 400 when it is not JSON of that shape.
    func body<T: Decodable>(_ request: Request, as: T.Type, limit: Int = APIContext.maxBody) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch {
            throw PosyError(.tooLarge, "body over \(limit) bytes")
        }
        let data = Data(buffer.readableBytesView)
        do {
            return try JSON.decode(T.self, from: data.isEmpty ? Data("{}".utf8) : data)
        } catch {
            throw PosyError(.badRequest, "body is not a valid \(T.self): \(Self.describe(error))")
        }
    }

    /// Where the body went wrong, by JSON path: `missing customer.name`, `bad window.start (expected
    /// a string)`, `not JSON` for bytes that are not JSON at all.
    static func describe(_ error: any Error) -> String {
        func path(_ c: DecodingError.Context) -> String {
            c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(
                of: ".[", with: "[")
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let c):
            let at = path(c)
            return "missing " + (at.isEmpty ? key.stringValue : "\(at).\(key.stringValue)")
        case .typeMismatch(let type, let c):
            let at = path(c)
            return at.isEmpty ? "expected a JSON object" : "bad \(at) (expected \(Self.jsonName(type)))"
        case .valueNotFound(let type, let c):
            let at = path(c)
            return at.isEmpty ? "expected a JSON object" : "bad \(at) (null where \(Self.jsonName(type)) is required)"
        case .dataCorrupted(let c):
            let at = path(c)
            return at.isEmpty ? "not JSON" : "bad \(at)"
        default: return "not JSON"
        }
    }

    static func jsonName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Double.Type: "a number"
        default: String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }

    /// Calls `method` on its service (or the shard `instance` names); returns the reply's JSON as it
    /// came, for the route to answer with or decode.
    func call<Request: Encodable & Sendable, Reply: Sendable>(
        _ method: RPC<Request, Reply>, _ request: Request, on instance: String? = nil, retries: Int = 0
    ) async throws -> Data {
        try await host.callData(
            method, request, on: instance, timeout: .seconds(5), retries: retries, freshness: SuiteMonitor.heartbeatDeadline)
    }

    static func json(_ data: Data, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ e: PosyError) -> Response {
        var response = json(JSON.encodeOrEmpty(e), status: HTTPResponse.Status(code: e.code.httpStatus))
        if e.code == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }

    /// Runs a route body, answering every failure as a JSON error.
    func handle(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let e as PosyError {
            return Self.error(e)
        } catch let e as RateLimited {
            var response = Self.error(e.body)
            response.headers[.retryAfter] = e.retryAfterHeader
            return response
        } catch {
            host.logger.error("API route failed", metadata: ["error": "\(error)"])
            return Self.error(PosyError(.internal, "internal error"))
        }
    }
}

import Foundation
import Hummingbird
import PosyAccess
import PosySchema

/// Sign-in and sessions (docs/protocol.md, "Sign-in and sessions"): a sign-in code becomes a
/// session; the gateway mints its short-lived access tokens and keeps the refresh credential in
/// an `HttpOnly`, `SameSite=Strict` cookie scoped to `/v1/session` for browsers (or in the reply
/// for other clients). posy-orders decides whether a code or a session stands.
struct SessionAPI {
    /// What a session route answers.
    struct Reply: Codable {
        var accessToken: String
        var expiresAt: String
        /// Only when the session is opened without the cookie.
        var refreshToken: String?
        var sessionExpiresAt: String
        var person: Person
        var manager: Bool
        /// The face the person works in: `/console/` or `/courier/`.
        var home: String
    }

    struct OpenInput: Codable {
        var code: String
        /// Keep the refresh credential in the cookie (browsers) instead of the reply.
        var cookie: Bool?
    }

    struct RefreshInput: Codable {
        var refreshToken: String?
    }

    static let cookieName = "posy_refresh"

    let api: APIContext

    func addRoutes(to router: Router<GatewayRequestContext>, authenticated: RouterGroup<AuthenticatedContext>) {
        let api = api
        router.post("v1/session") { request, context -> Response in
            try Self.limitByAddress(api, context)
            let input = try await request.decode(as: OpenInput.self, context: context)
            let grant = try await api.backend.call(PeopleRPC.openSession, PeopleRPC.CodeRequest(code: input.code), as: nil)
            return try Self.reply(api, grant, cookie: input.cookie == true, status: .created)
        }
        router.post("v1/session/refresh") { request, context -> Response in
            try Self.limitByAddress(api, context)
            var credential = Self.cookie(request)
            if credential == nil, request.headers[.contentType] != nil {
                credential = try await request.decode(as: RefreshInput.self, context: context).refreshToken
            }
            guard let credential, !credential.isEmpty else {
                throw PosyError(.unauthorized, "no session: send the refresh token, or the cookie set at sign-in")
            }
            do {
                let grant = try await api.backend.call(PeopleRPC.refreshSession, PeopleRPC.CodeRequest(code: credential), as: nil)
                return try Self.reply(api, grant, cookie: false, status: .ok)
            } catch let e as PosyError where e.code == .unauthorized {
                var response = JSONReply(JSON.encodeOrEmpty(e), status: .unauthorized).response
                response.headers[.setCookie] = Self.clearCookie(api)
                return response
            }
        }
        authenticated.delete("v1/session") { _, context -> Response in
            guard let sid = context.claims.sid else {
                throw PosyError(.badRequest, "this token belongs to no session (minted by the operator); let it expire")
            }
            _ = try await api.call(
                PeopleRPC.endSession, PeopleRPC.ItemRequest(shopId: context.claims.shop ?? "", id: sid), as: context.viewer)
            api.access.end([sid])
            var response = Response(status: .noContent)
            response.headers[.setCookie] = Self.clearCookie(api)
            response.headers[.cacheControl] = "no-store"
            return response
        }
    }

    /// Sign-in attempts count against the caller's address, like unauthenticated health checks.
    static func limitByAddress(_ api: APIContext, _ context: GatewayRequestContext) throws {
        if let ip = context.channel.remoteAddress?.ipAddress, let wait = api.limiter.check("ip:\(ip)") {
            throw RateLimited(retryAfter: wait)
        }
    }

    static func reply(_ api: APIContext, _ grant: SessionGrant, cookie: Bool, status: HTTPResponse.Status) throws -> Response {
        let person = grant.person
        let role: Role = person.role == .courier ? .courier : .staff
        let now = Date()
        let token = try api.signer.mint(
            sub: person.id, role: role, shop: person.shopId, ttl: TimeInterval(api.config.sessionTokenLifetime), now: now,
            sid: grant.sid)
        let reply = Reply(
            accessToken: token, expiresAt: Timestamp.format(now.addingTimeInterval(TimeInterval(api.config.sessionTokenLifetime))),
            refreshToken: cookie ? nil : grant.refresh, sessionExpiresAt: grant.expiresAt, person: person, manager: grant.manager,
            home: role == .courier ? "/courier/" : "/console/")
        var response = JSONReply(try JSON.encode(reply), status: status).response
        response.headers[.cacheControl] = "no-store"
        if cookie, let refresh = grant.refresh {
            var value = "\(cookieName)=\(refresh); Path=/v1/session; HttpOnly; SameSite=Strict"
            if let until = Timestamp.parse(grant.expiresAt) { value += "; Max-Age=\(max(0, Int(until.timeIntervalSince(now))))" }
            if api.config.publicURL.lowercased().hasPrefix("https:") { value += "; Secure" }
            response.headers[.setCookie] = value
        }
        return response
    }

    static func clearCookie(_ api: APIContext) -> String {
        "\(cookieName)=; Path=/v1/session; HttpOnly; SameSite=Strict; Max-Age=0"
            + (api.config.publicURL.lowercased().hasPrefix("https:") ? "; Secure" : "")
    }

    /// The refresh credential from the request's cookie.
    static func cookie(_ request: Request) -> String? {
        for field in request.headers[values: .cookie] {
            for pair in field.split(separator: ";") {
                let kv = pair.trimmingCharacters(in: .whitespaces)
                if kv.hasPrefix(cookieName + "=") { return String(kv.dropFirst(cookieName.count + 1)) }
            }
        }
        return nil
    }
}

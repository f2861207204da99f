import Foundation
import Hummingbird
import NIOCore
import PosyAccess
import PosyAuth
import PosySchema

/// `/v1/media…`: streamed uploads, reads with `Range`/`ETag`, and short-lived signed links.
struct MediaAPI {
    /// How much of a media item one `media.read` fetches while a response streams.
    static let readChunk = 1 << 20

    let api: APIContext
    let signer: URLSigner

    /// Uploads and links need a token; a read takes a token or a signed link, so it is public.
    func addRoutes(to routes: RouterGroup<AuthenticatedContext>, public router: Router<GatewayRequestContext>) {
        let api = api
        let signer = signer
        routes.post("v1/media") { request, context -> Response in
            guard let orderId = request.uri.queryParameters.get("orderId"), !orderId.isEmpty else {
                throw PosyError(.invalidField, "orderId: ?orderId= names the order the media belongs to")
            }
            var upload = MediaUpload(api: api, viewer: context.viewer, orderId: orderId)
            do {
                let info = try await upload.run(
                    body: request.body, contentType: request.headers[.contentType] ?? "",
                    contentLength: request.headers[.contentLength].flatMap { Int64($0) })
                return JSONReply(info, status: .created).response
            } catch let e as PosyError where e.code == .tooLarge || e.code == .unsupportedMediaType {
                // Refused before the body ended: answer now, and do not read the rest.
                Self.lingerThenClose(context.channel)
                var response = try e.response(from: request, context: context)
                response.headers[.connection] = "close"
                return response
            }
        }
        router.get("v1/media/{id}") { request, context in
            let id = try context.parameters.require("id")
            let query = request.uri.queryParameters
            let viewer: Viewer
            var maxAge = 300
            if request.headers[.authorization] == nil, let exp = query.get("exp"), let sig = query.get("sig") {
                do throws(URLSigner.Failure) {
                    try signer.verify(path: "/v1/media/\(id)", exp: exp, sig: sig)
                } catch {
                    throw PosyError(.forbidden, error.rawValue)
                }
                viewer = .service(ServiceName.gatewayLink)
                maxAge = max(0, min(maxAge, Int((Double(exp) ?? 0) - Date().timeIntervalSince1970)))
            } else {
                let claims = try api.authenticate(request)
                try await api.access.admit(claims)
                viewer = Viewer(claims)
            }
            let info = try await api.backend.call(ReceiptsRPC.mediaInfo, ReceiptsRPC.MediaQuery(id: id), as: viewer, retries: 1)
            return try Self.serve(info, request: request, context: context, viewer: viewer, maxAge: maxAge, api: api)
        }
        routes.post("v1/media/{id}/link") { request, context in
            let id = try context.parameters.require("id")
            let ttl = request.uri.queryParameters.get("ttl").flatMap(Double.init) ?? 300
            guard ttl >= 1, ttl <= URLSigner.maxTTL else {
                throw PosyError(.invalidField, "ttl: 1…\(Int(URLSigner.maxTTL)) seconds")
            }
            // Only someone who may read the media gets a link to it.
            _ = try await api.call(ReceiptsRPC.mediaInfo, ReceiptsRPC.MediaQuery(id: id), as: context.viewer, retries: 1)
            let path = "/v1/media/\(id)"
            let (query, exp) = signer.sign(path: path, ttl: ttl)
            let link = MediaLink(
                url: "\(api.config.publicURL)\(path)?\(query)",
                expiresAt: Timestamp.format(Date(timeIntervalSince1970: Double(exp))))
            return JSONReply(JSON.encodeOrEmpty(link), status: .created)
        }
    }

    struct MediaLink: Codable {
        var url: String
        var expiresAt: String
    }

    /// The whole item or one `Range` of it, streamed from receipts a chunk at a time.
    static func serve(
        _ info: MediaInfo, request: Request, context: some RequestContext, viewer: Viewer, maxAge: Int, api: APIContext
    ) throws -> Response {
        let etag = "\"\(info.sha256)\""
        var headers: HTTPFields = [
            .eTag: etag, .cacheControl: "private, max-age=\(maxAge)", .acceptRanges: "bytes",
            .contentType: info.contentType, .xContentTypeOptions: "nosniff",
            // Opened as a page (a link, a new tab), a file of the suite's origin can run nothing and
            // reach nothing: no scripts, no plugins, no fetches, a unique origin (docs/architecture.md, "Receipts").
            .contentSecurityPolicy: "default-src 'none'; sandbox",
        ]
        if let match = request.headers[.ifNoneMatch],
            match.split(separator: ",").contains(where: {
                $0.trimmingCharacters(in: .whitespaces) == etag || $0.trimmingCharacters(in: .whitespaces) == "*"
            })
        {
            return Response(status: .notModified, headers: headers)
        }
        var status = HTTPResponse.Status.ok
        var range = Int64(0)..<info.size
        if let header = request.headers[.range], request.headers[.ifRange].map({ $0 == etag }) ?? true {
            switch ByteRange.parse(header, size: info.size) {
            case .whole:
                break
            case .range(let r):
                range = r
                status = .partialContent
                headers[.contentRange] = "bytes \(r.lowerBound)-\(r.upperBound - 1)/\(info.size)"
            case .unsatisfiable:
                var response = try PosyError(.rangeNotSatisfiable, "Range \(header) is outside the \(info.size) bytes").response(
                    from: request, context: context)
                response.headers[.contentRange] = "bytes */\(info.size)"
                return response
            }
        }
        let id = info.id
        let span = range
        let body = ResponseBody(contentLength: Int(span.count)) { writer in
            var offset = span.lowerBound
            while offset < span.upperBound {
                let length = Int(min(Int64(readChunk), span.upperBound - offset))
                let data = try await api.call(
                    ReceiptsRPC.mediaRead,
                    ReceiptsRPC.ReadRequest(id: id, offset: offset, length: length), as: viewer, retries: 1)
                guard !data.isEmpty else { throw PosyError(.internal, "media \(id) ended early") }
                try await writer.write(ByteBuffer(bytes: data))
                offset += Int64(data.count)
            }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// Closes a connection whose request body is refused, after giving the client a moment to read
    /// the answer (like nginx's lingering close): meanwhile what arrives is discarded, never kept.
    static func lingerThenClose(_ channel: any Channel) {
        channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
    }
}

import Foundation
import PosyAccess
import PosySchema

/// One RPC request as a handler sees it.
public struct RPCRequest: Sendable {
    public let method: String
    public let body: Data
    /// The identity the caller's connection proved (docs/protocol.md, "Security"); empty without CURVE.
    public let peer: String
    /// Who the call is made for, read once from the body's `caller` (nil when it names nobody).
    public let caller: RPCCaller?

    public init(method: String, body: Data, peer: String = "", caller: RPCCaller? = nil) {
        self.method = method
        self.body = body
        self.peer = peer
        self.caller = caller
    }

    /// Decodes the JSON body; a bad body becomes a `bad_request` error reply.
    public func decode<T: Decodable>(_: T.Type) throws -> T {
        do {
            return try JSON.decode(T.self, from: body.isEmpty ? Data("{}".utf8) : body)
        } catch {
            throw PosyError(.badRequest, "body of \(method) is not a valid \(T.self)")
        }
    }

    /// The person or service the call is made for; `unauthorized` when the request names nobody.
    public func viewer() throws(PosyError) -> Viewer {
        guard let caller else { throw PosyError(.unauthorized, "the call names no caller") }
        return try Viewer(caller)
    }
}

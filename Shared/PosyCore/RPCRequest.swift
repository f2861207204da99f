import Foundation
import PosySchema

/// One RPC request as a handler sees it.
public struct RPCRequest: Sendable {
    public let method: String
    public let body: Data
    /// The identity the caller's connection proved (docs/protocol.md, "Security"); empty without CURVE.
    public let peer: String

    public init(method: String, body: Data, peer: String = "") {
        self.method = method
        self.body = body
        self.peer = peer
    }

    /// Decodes the JSON body; a bad body becomes a `bad_request` error reply.
    public func decode<T: Decodable>(_: T.Type) throws -> T {
        do {
            return try JSON.decode(T.self, from: body.isEmpty ? Data("{}".utf8) : body)
        } catch {
            throw PosyError(.badRequest, "body of \(method) is not a valid \(T.self)")
        }
    }
}

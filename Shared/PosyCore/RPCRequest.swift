import Foundation
import PosySchema

/// One RPC request as a handler sees it.
public struct RPCRequest: Sendable {
    public let method: String
    public let body: Data

    /// Decodes the JSON body; a bad body becomes a `bad_request` error reply.
    public func decode<T: Decodable>(_: T.Type) throws -> T {
        do {
            return try JSON.decode(T.self, from: body.isEmpty ? Data("{}".utf8) : body)
        } catch {
            throw PosyError(.badRequest, "body of \(method) is not a valid \(T.self)")
        }
    }
}

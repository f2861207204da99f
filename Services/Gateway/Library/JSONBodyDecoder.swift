import Foundation
import Hummingbird
import PosySchema

/// A request's JSON body as a value: 413 over `limit`, 400 naming where the JSON went wrong (an
/// empty body is `{}`). The gateway's request contexts decode with it (`request.decode(as:context:)`).
package struct JSONBodyDecoder: RequestDecoder {
    package static let defaultLimit = 1 << 20
    var limit: Int = Self.defaultLimit

    package func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
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
}

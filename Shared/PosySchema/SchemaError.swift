/// A value that does not follow the schema (bad envelope, bad payload, bad frames).
public struct SchemaError: Error, CustomStringConvertible, Sendable {
    public let code: ErrorCode
    public let message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

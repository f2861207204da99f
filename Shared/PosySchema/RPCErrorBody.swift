/// The JSON body of an RPC error reply (`[requestId]["error"][{"code","message"}]`) and of HTTP errors.
public struct RPCErrorBody: Codable, Sendable, Error, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

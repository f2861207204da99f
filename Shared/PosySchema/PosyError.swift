/// Posy's domain error: a stable ``ErrorCode`` and a message for people. Services throw it, RPC
/// carries it as the error reply's body (`[requestId]["error"][{"code","message"}]`), and the
/// gateway answers it with the code's HTTP status and the same JSON.
public struct PosyError: Codable, Sendable, Error, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

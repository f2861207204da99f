import Foundation

extension MessageInput {
    /// A stream's `msg.send` frame, `{"type":"msg.send","ref":…,"conversationId":…,<the message>}`,
    /// read by hand when it is plain (``HandDecodable``): `ref` a string, null or absent, the
    /// conversation a non-empty string, any other member plain and skipped. Nil for any other frame,
    /// which the gateway reads with `JSONDecoder` as before, so a wrong field is still named
    /// (docs/performance.md, "Posy's own JSON for chat").
    public static func plainSendFrame(_ json: Data) -> (ref: String?, conversationId: String, message: MessageInput)? {
        json.withUnsafeBytes { raw -> (ref: String?, conversationId: String, message: MessageInput)? in
            var p = EnvelopeCodec.Parser(bytes: raw.bindMemory(to: UInt8.self), subject: "plain frame")
            var isSend = false
            var ref: String?
            var conversationId: String?
            var fields = Fields()
            let message: MessageInput
            do {
                try p.object { p, name in
                    switch name {
                    case "type":
                        // Any other frame stops here: it is read as before.
                        guard try p.string() == StreamFrameType.messageSend else { throw p.fail("not a send") }
                        isSend = true
                        return 1
                    case "ref":
                        ref = try p.optionalString()
                        return 2
                    case "conversationId":
                        conversationId = try p.string()
                        return 4
                    default:
                        if let bit = try fields.read(name, from: &p) { return bit }
                        try p.skipPlainValue()
                        return 0
                    }
                }
                message = try fields.input(p)
            } catch {
                return nil
            }
            p.skipSpace()
            guard isSend, let conversationId, !conversationId.isEmpty, p.i == p.bytes.count else { return nil }
            return (ref, conversationId, message)
        }
    }
}

/// `msg.send`'s request, written by the gateway and read by the shard by hand (docs/performance.md,
/// "Posy's own JSON for chat").
extension MessagingRPC.SendRequest: HandEncodable, HandDecodable {
    func write(to w: inout HandJSONWriter) throws {
        w.openObject()
        w.key("conversationId")
        w.string(conversationId)
        w.key("message")
        try message.write(to: &w)
        w.closeObject()
    }

    static func read(from p: inout EnvelopeCodec.Parser) throws -> MessagingRPC.SendRequest {
        var conversationId: String?
        var message: MessageInput?
        try p.object { p, name in
            switch name {
            case "conversationId":
                conversationId = try p.string()
                return 1
            case "message":
                message = try MessageInput.read(from: &p)
                return 2
            default:
                // The RPC's `caller`, read on its own by the server.
                try p.skipPlainValue()
                return 0
            }
        }
        guard let conversationId, let message else { throw p.fail("not a plain send") }
        return MessagingRPC.SendRequest(conversationId: conversationId, message: message)
    }
}

/// `msg.send`'s reply, written by the shard by hand; the gateway passes it on unread.
extension MessagingRPC.SendResult: HandEncodable {
    func write(to w: inout HandJSONWriter) throws {
        w.openObject()
        w.key("duplicate")
        w.bool(duplicate)
        w.key("message")
        try message.write(to: &w)
        w.closeObject()
    }
}

/// The types of frames a client sends on `GET /v1/stream` (docs/protocol.md, "Stream frames from the
/// client"); each is answered with a `reply` frame.
public enum StreamFrameType {
    public static let messageSend = "msg.send"
    public static let messageRead = "msg.read"
    public static let messageDelivered = "msg.delivered"
    public static let messageRecall = "msg.recall"
    public static let typing = "typing"
    public static let callSignal = "call.signal"
    public static let locationBatch = "loc.batch"
    public static let ping = "ping"
    /// The server's answer to each of them.
    public static let reply = "reply"
}

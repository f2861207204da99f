/// The types of pushes to users (ephemeral, ``UserPush`` data; docs/protocol.md, "Messaging",
/// "Location", "Notify"): the `type` a connection sees on the stream.
public enum PushType {
    public static let messageNew = "msg.new"
    public static let messageRecalled = "msg.recalled"
    public static let messageReceipt = "msg.receipt"
    public static let messageUnread = "msg.unread"
    public static let typing = "typing"
    /// A step of a video call (`CallSignal.Relayed`).
    public static let callSignal = "call.signal"
    public static let conversationUpdated = "conv.updated"
    public static let orderPosition = "order.position"
    public static let courierPosition = "courier.position"
    public static let courierOffDuty = "courier.offDuty"
    public static let notification = "notification"
    /// The gateway's own check of its push path (`{}` on ``Topic/canaries(of:)``): never shown to anyone.
    public static let canary = "sys.canary"
    /// A gateway's mark (`{}`) on a push topic it just subscribed to: heard back, it shows the subscription
    /// reached the bus, and the stream waiting for it may say it is open. Never shown to anyone.
    public static let subscribed = "sys.subscribed"
}

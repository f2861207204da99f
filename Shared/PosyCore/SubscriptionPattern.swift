/// Which topics a subscriber takes: a pattern ending in `.` is a prefix (`order.` takes every order
/// event, `to.u1.` every push to u1), any other pattern is one exact topic (`sys.probe` does not take
/// `sys.probe.ack`).
public struct SubscriptionPattern: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    public init(_ text: String) { self.text = text }

    public func matches(_ topic: String) -> Bool {
        text.hasSuffix(".") ? topic.hasPrefix(text) : topic == text
    }

    public var description: String { text }
}

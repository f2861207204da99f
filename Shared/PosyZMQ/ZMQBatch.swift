import Foundation

/// Several two-frame messages (`[topic][body]`) carried as one, from a publisher to a forwarder
/// that splits them (docs/protocol.md, "Batches to the bus"): `[ZMQBatch.topic][packed]`, where
/// `packed` is, for each message in order, its topic's length (4 bytes, big-endian), the topic,
/// its body's length (likewise) and the body. One frame holds them all, so CURVE seals a
/// publisher's commit group once instead of twice per event.
public enum ZMQBatch {
    /// The first frame of a batch. No subscriber ever sees it: a forwarder that knows batches splits
    /// them, and a publisher sends them only to one that said it does.
    public static let topic = "bus.batch"
    static let topicBytes = Array(topic.utf8)
    static let topicData = Data(topic.utf8)
    /// A batch is closed at this many messages or bytes of packed content, whichever comes first.
    public static let maxMessages = 512
    public static let maxBytes = 256 << 10

    /// `messages` packed: runs of two-frame messages become batches of up to ``maxMessages`` and
    /// ``maxBytes``; any other message, and a two-frame one alone between others, goes as it is.
    /// Order is kept. Also returns how many batches it made. Each batch is written into one buffer
    /// sized beforehand (on the store writer's thread, after every commit: docs/performance.md).
    public static func pack(_ messages: [[Data]]) -> (messages: [[Data]], batches: Int) {
        var out: [[Data]] = []
        var batches = 0
        var i = 0
        while i < messages.count {
            guard messages[i].count == 2 else {
                out.append(messages[i])
                i += 1
                continue
            }
            var end = i
            var bytes = 0
            while end < messages.count, messages[end].count == 2, end - i < maxMessages {
                let size = 8 + messages[end][0].count + messages[end][1].count
                if end > i && bytes + size > maxBytes { break }
                bytes += size
                end += 1
            }
            if end - i == 1 {
                out.append(messages[i])
            } else {
                var packed = Data(count: bytes)
                packed.withUnsafeMutableBytes { raw in
                    var at = 0
                    for m in messages[i..<end] {
                        for frame in m {
                            let n = UInt32(truncatingIfNeeded: frame.count)
                            raw[at] = UInt8(n >> 24)
                            raw[at + 1] = UInt8((n >> 16) & 0xFF)
                            raw[at + 2] = UInt8((n >> 8) & 0xFF)
                            raw[at + 3] = UInt8(n & 0xFF)
                            at += 4
                            frame.withUnsafeBytes { f in
                                if let base = f.baseAddress { raw.baseAddress!.advanced(by: at).copyMemory(from: base, byteCount: f.count) }
                            }
                            at += frame.count
                        }
                    }
                }
                out.append([topicData, packed])
                batches += 1
            }
            i = end
        }
        return (out, batches)
    }

    /// Calls `each` with every message's topic and body in `packed`, in order, valid only during the
    /// call. False, having called `each` for none of them, when `packed` is malformed: a length that
    /// runs past the end, an empty topic, or no message at all.
    static func split(
        _ packed: UnsafeRawBufferPointer, _ each: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void
    ) -> Bool {
        guard walk(packed, { _, _ in }) else { return false }
        return walk(packed, each)
    }

    private static func walk(
        _ packed: UnsafeRawBufferPointer, _ each: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void
    ) -> Bool {
        var i = 0
        var count = 0
        func length() -> Int? {
            guard packed.count - i >= 4 else { return nil }
            let n = Int(packed[i]) << 24 | Int(packed[i + 1]) << 16 | Int(packed[i + 2]) << 8 | Int(packed[i + 3])
            i += 4
            return n <= packed.count - i ? n : nil
        }
        while i < packed.count {
            guard let t = length(), t > 0 else { return false }
            let topic = UnsafeRawBufferPointer(rebasing: packed[i..<(i + t)])
            i += t
            guard let b = length() else { return false }
            let body = UnsafeRawBufferPointer(rebasing: packed[i..<(i + b)])
            i += b
            each(topic, body)
            count += 1
        }
        return count > 0
    }
}

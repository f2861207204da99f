import Foundation
import Synchronization

/// The bounded queue between a socket's thread and its single async consumer.
///
/// The socket thread appends whole multipart messages; the consumer takes one or a batch. When the
/// queue is full the thread stops reading the socket (backpressure reaches libzmq's high-water mark)
/// and is woken again once the consumer has drained half of it.
public final class ZMQInbox: Sendable {
    struct State {
        var buffer: [[Data]] = []
        var head = 0
        var waiter: CheckedContinuation<Void, Never>?
        var finished = false
        var paused = false
        /// The consumer's task was cancelled before it started waiting.
        var cancelPending = false
        var count: Int { buffer.count - head }
    }

    private let state = Mutex(State())
    let capacity: Int
    /// Called (from the consumer's thread) when the socket thread should resume reading.
    let resume: @Sendable () -> Void

    init(capacity: Int, resume: @escaping @Sendable () -> Void) {
        self.capacity = max(1, capacity)
        self.resume = resume
    }

    /// Socket thread: appends messages; returns false when the inbox is now full and reading should pause.
    func append(_ messages: [[Data]]) -> Bool {
        let (waiter, hasRoom): (CheckedContinuation<Void, Never>?, Bool) = state.withLock { s in
            s.buffer.append(contentsOf: messages)
            let room = s.count < capacity
            if !room { s.paused = true }
            let w = s.waiter
            s.waiter = nil
            return (w, room)
        }
        waiter?.resume()
        return hasRoom
    }

    /// Socket thread: appends what fits under the capacity and never pauses; returns how many of
    /// `messages`, the last ones, did not fit.
    func offer(_ messages: [[Data]]) -> Int {
        let (waiter, left): (CheckedContinuation<Void, Never>?, Int) = state.withLock { s in
            let room = max(0, capacity - s.count)
            s.buffer.append(contentsOf: messages.prefix(room))
            let w = room > 0 ? s.waiter : nil
            if room > 0 { s.waiter = nil }
            return (w, messages.count - min(room, messages.count))
        }
        waiter?.resume()
        return left
    }

    func finish() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.finished = true
            let w = s.waiter
            s.waiter = nil
            return w
        }
        waiter?.resume()
    }

    /// Takes up to `max` messages, waiting for at least one. Returns nil once the socket is closed and
    /// drained, or when the calling task is cancelled while waiting (messages stay queued).
    public func next(max: Int = 1) async -> [[Data]]? {
        while true {
            enum Step {
                case batch([[Data]], Bool)
                case done, wait
            }
            let step: Step = state.withLock { s in
                if s.count > 0 {
                    let n = Swift.min(max, s.count)
                    let out = Array(s.buffer[s.head..<(s.head + n)])
                    // Release what was taken now, not when the buffer is next compacted: a slot kept
                    // until then held its frames (4,096 one-MiB upload chunks would be 4 GiB).
                    for i in s.head..<(s.head + n) { s.buffer[i] = [] }
                    s.head += n
                    if s.head == s.buffer.count {
                        s.buffer.removeAll(keepingCapacity: true)
                        s.head = 0
                    } else if s.head > 4096 && s.head * 2 > s.buffer.count {
                        s.buffer.removeFirst(s.head)
                        s.head = 0
                    }
                    var wake = false
                    if s.paused && s.count <= capacity / 2 {
                        s.paused = false
                        wake = true
                    }
                    return .batch(out, wake)
                }
                return s.finished ? .done : .wait
            }
            switch step {
            case .batch(let out, let wake):
                if wake { resume() }
                return out
            case .done:
                return nil
            case .wait:
                if Task.isCancelled { return nil }
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                        let resumeNow = state.withLock { s -> Bool in
                            if s.count > 0 || s.finished || s.cancelPending {
                                s.cancelPending = false
                                return true
                            }
                            s.waiter = c
                            return false
                        }
                        if resumeNow { c.resume() }
                    }
                } onCancel: {
                    let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
                        guard let w = s.waiter else {
                            s.cancelPending = true
                            return nil
                        }
                        s.waiter = nil
                        return w
                    }
                    waiter?.resume()
                }
                if Task.isCancelled {
                    state.withLock { $0.cancelPending = false }
                    return nil
                }
            }
        }
    }

    /// Takes one message, waiting for it; nil once closed.
    public func next() async -> [Data]? {
        await next(max: 1)?.first
    }
}

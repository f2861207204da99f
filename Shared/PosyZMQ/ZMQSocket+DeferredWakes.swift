import Foundation

extension ZMQSocket {
    /// The sockets a thread queued commands for inside ``deferringWakes(_:)``, woken once at its end.
    /// Only the thread that opened the scope touches it.
    final class DeferredWakes {
        private var sockets: [ZMQSocket] = []
        /// What was posted to sockets its callers send on, sent together at the end: libzmq's I/O
        /// thread then takes a group's messages in one wake-up, as it did when they were queued.
        private var held: [(socket: ZMQSocket, messages: [Message])] = []

        func add(_ socket: ZMQSocket) {
            if !sockets.contains(where: { $0 === socket }) { sockets.append(socket) }
        }

        func hold(_ batch: [Message], for socket: ZMQSocket) {
            if let i = held.firstIndex(where: { $0.socket === socket }) {
                held[i].messages.append(contentsOf: batch)
            } else {
                held.append((socket, batch))
            }
        }

        func wake() {
            for (socket, messages) in held where socket.sendNow(messages) != nil { socket.countDroppedSend() }
            held.removeAll()
            for s in sockets { s.wakeIfWaiting() }
            sockets.removeAll()
        }
    }

    /// A thread's own scope, in thread-specific storage: a task-local would be inherited by a task
    /// started inside the scope, whose commands on another thread would then wait for a wake that
    /// already happened.
    private static let deferredKey: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create")
        return key
    }()

    /// The calling thread's open scope, if any.
    static var deferredWakes: DeferredWakes? {
        pthread_getspecific(deferredKey).map { Unmanaged<DeferredWakes>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Runs `body`, waking each socket it queued commands for once, at the end, instead of at its
    /// first command, and sending what it posted to a socket its callers send on at the end too: a
    /// store's writer that resumes a commit group's callers and publishes their events wakes each
    /// socket's thread once per group, not once per command, and hands libzmq the group's messages
    /// together (docs/architecture.md, "Threads"). Only the calling thread's own commands wait;
    /// tasks it starts meanwhile wake their sockets as usual. Nested scopes wake at the outermost end.
    public static func deferringWakes<T>(_ body: () throws -> T) rethrows -> T {
        if deferredWakes != nil { return try body() }
        let wakes = DeferredWakes()
        pthread_setspecific(deferredKey, Unmanaged.passUnretained(wakes).toOpaque())
        defer {
            pthread_setspecific(deferredKey, nil)
            withExtendedLifetime(wakes) { wakes.wake() }
        }
        return try body()
    }
}

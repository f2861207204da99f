import Synchronization

/// A reference to a `Mutex`-protected value, for state that closures and tasks share.
package final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    package init(_ value: Value) { mutex = Mutex(value) }

    package func withLock<R: Sendable>(_ body: (inout sending Value) throws -> sending R) rethrows -> R {
        try mutex.withLock(body)
    }

    package var value: Value { mutex.withLock { $0 } }
}

import Foundation

/// A generation counter that tasks can wait on: ``bump()`` wakes everyone waiting for a newer
/// generation. Waits end early on cancellation or after a timeout.
///
/// Loops wait on this rather than racing an `AsyncStream` iterator against a sleep: cancelling
/// the losing `next()` of such a race ends the stream for good, after which the loop never waits
/// again (docs/architecture.md, "Idle costs nothing").
package final class ChangeSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextId: UInt64 = 0
        /// Waits whose timeout or cancellation came before they started waiting.
        var fired: Set<UInt64> = []
    }

    private let state = Locked(State())

    package init() {}

    package var generation: UInt64 { state.withLock { $0.generation } }

    package func bump() {
        let waiting = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.generation &+= 1
            let w = Array(s.waiters.values)
            s.waiters.removeAll()
            return w
        }
        for c in waiting { c.resume() }
    }

    /// Returns once the generation is past `seen`, the task is cancelled, or `timeout` (if any)
    /// passed. Without a timeout no timer is armed: thousands of idle connections cost nothing.
    package func wait(after seen: UInt64, timeout: Duration?) async {
        let id = state.withLock { s -> UInt64 in
            s.nextId &+= 1
            return s.nextId
        }
        let timer = timeout.map { timeout in
            Task { [weak self] in
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                self?.resume(id)
            }
        }
        defer {
            timer?.cancel()
            state.withLock { _ = $0.fired.remove(id) }
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.generation != seen || Task.isCancelled || s.fired.remove(id) != nil { return true }
                    s.waiters[id] = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            resume(id)
        }
    }

    private func resume(_ id: UInt64) {
        state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard let c = s.waiters.removeValue(forKey: id) else {
                s.fired.insert(id)
                return nil
            }
            return c
        }?.resume()
    }
}

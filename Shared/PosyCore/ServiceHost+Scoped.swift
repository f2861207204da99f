import Logging
import ServiceLifecycle

extension ServiceHost {
    /// Runs `host` in its own `ServiceGroup` while `body` runs, then shuts it down gracefully.
    /// For tools (`posy ping`, `posy bench`) and tests that need a full Posy peer for a while.
    public static func withRunning<T: Sendable>(
        _ host: ServiceHost, _ body: @Sendable (ServiceHost) async throws -> T
    ) async throws -> T {
        let group = ServiceGroup(configuration: .init(services: try await host.services(), logger: host.logger))
        let running = Task { try await group.run() }
        do {
            let value = try await body(host)
            await group.triggerGracefulShutdown()
            try await running.value
            return value
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            throw error
        }
    }

    /// Waits until the host's subscriber is running and has heard at least one heartbeat (its own or
    /// another's) through the bus, or `timeout` passes. Returns whether it did.
    public func waitForBus(timeout: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if directory.peer(descriptor.instance) != nil { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}

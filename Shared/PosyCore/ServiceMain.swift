import ArgumentParser
import Logging
import PosyStore
import ServiceLifecycle

/// Runs a Posy process: logging, the ``ServiceHost``, the service's own setup (which may return more
/// services to run beside the host's, such as the gateway's HTTP server), the release of the start's
/// pages (``StartRelease``), and a `ServiceGroup` that shuts everything down gracefully, in reverse
/// order, on SIGTERM or SIGINT.
public enum ServiceMain {
    public static func run(
        _ descriptor: ServiceDescriptor, config: ServiceConfig,
        configure: (ServiceHost) async throws -> [any Service] = { _ in [] }
    ) async throws {
        PrivateFiles.restrictUmask()
        Allocator.tune()
        let files = FileLimits.raise()
        PosyLogHandler.bootstrap(level: config.logLevel)
        Logger(label: descriptor.instance).info(
            "open files", metadata: ["soft": "\(files.after.soft)", "hard": "\(files.after.hard)", "soft_at_start": "\(files.before.soft)"])
        let host: ServiceHost
        let services: [ServiceGroupConfiguration.ServiceConfiguration]
        do {
            host = try await ServiceHost.make(descriptor, config: config)
            let extra = try await configure(host)
            services =
                try await host.services() + extra.map { .init(service: $0) }
                + StartRelease.configurations(logger: host.logger)
        } catch {
            Logger(label: descriptor.instance).critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: host.logger))
        try await group.run()
    }
}

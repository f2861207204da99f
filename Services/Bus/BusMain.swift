import ArgumentParser
import Foundation
import Logging
import PosyCore
import PosySchema
import PosySettings
import PosyStore
import PosyZMQ

/// `posy-bus`: the XSUB/XPUB forwarder every publisher and subscriber meets at. Stateless. Under
/// CURVE it forwards only what each publisher may say (``BusGate``). It splits the batches
/// publishers pack their events in, and says so in its heartbeats (docs/protocol.md, "Batches to the bus").
/// It also heartbeats (through itself) and answers `health`, `stats` and `bus.proxy` on its RPC port.
@main
struct BusMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posy-bus", abstract: "Posy event bus: XSUB (publishers connect) → XPUB (subscribers connect).")

    @Option(name: settings.frontend.name, help: settings.frontend.help) var frontend: String?
    @Option(name: settings.backend.name, help: settings.backend.help) var backend: String?
    @Option(name: settings.highWaterMark.name, help: settings.highWaterMark.help) var hwm: Int32?

    @OptionGroup var options: ServiceOptions

    /// Where the two sides bind and how much each connection holds: flags, else variables, else defaults.
    func sides(_ from: Settings = .process) throws -> (frontend: String, backend: String, hwm: Int32) {
        let hwm = try from.value(settings.highWaterMark, flag: hwm)
        guard hwm > 0 else { throw ValidationError("--hwm must be positive") }
        return (try from.value(settings.frontend, flag: frontend), try from.value(settings.backend, flag: backend), hwm)
    }

    func validate() throws { _ = try sides() }

    func run() async throws {
        PrivateFiles.restrictUmask()
        Allocator.tune()
        var config = try options.config()
        PosyLogHandler.bootstrap(level: config.logLevel)
        let logger = Logger(label: "bus")
        let (front, back, hwm) = try sides()
        var o = ZMQSocketOptions()
        o.sendHighWaterMark = hwm
        o.receiveHighWaterMark = hwm
        let proxy: ZMQProxy
        do {
            // Both sides are CURVE servers admitting the suite's keys; the authenticator is bound
            // first and answered by the host's resources service (docs/protocol.md, "Security").
            let security = try config.security(identity: ServiceName.bus)
            if let keyring = security.keyring {
                let directory = keyring.directory
                _ = try await ZMQAuthenticator.bind(keys: keyring.known) { try SuiteKeyring.publicKeys(directory: directory) }
            }
            o.curve = security.server
            let gate = BusGate(security: security, logger: logger)
            proxy = try await ZMQProxy.start(
                frontend: .xsub, bind: [front], options: o, backend: .xpub, bind: [back], options: o,
                filter: security.isSecure ? gate.admits : nil, subscriptionFilter: security.isSecure ? gate.mayRead : nil,
                splitsBatches: true)
        } catch {
            logger.critical("cannot start the bus", metadata: ["error": "\(error)", "frontend": "\(front)", "backend": "\(back)"])
            throw ExitCode(1)
        }
        logger.info(
            "forwarding",
            metadata: [
                "frontend": "\(proxy.frontendEndpoints)", "backend": "\(proxy.backendEndpoints)", "libzmq": "\(ZMQContext.libraryVersion)",
            ])
        // The bus's own heartbeat goes through its own frontend unless told otherwise.
        if !Settings.process.isGiven(ServiceSettings().busPub, flag: options.busPub), let e = proxy.frontendEndpoints.first {
            config.busPub = e.replacingOccurrences(of: "://0.0.0.0:", with: "://127.0.0.1:")
        }
        if !Settings.process.isGiven(ServiceSettings().busSub, flag: options.busSub), let e = proxy.backendEndpoints.first {
            config.busSub = e.replacingOccurrences(of: "://0.0.0.0:", with: "://127.0.0.1:")
        }
        var descriptor = ServiceDescriptor(service: ServiceName.bus, defaultRPCPort: 7102, migrations: nil)
        descriptor.accepts = [Heartbeat.splitsBatches]
        try await ServiceMain.run(descriptor, config: config) { host in
            host.rpc.register(RPCMethod.busProxy) { _ in
                let s = proxy.statistics
                return BusProxyReport(
                    frontendMessagesIn: s.frontendMessagesIn, frontendBytesIn: s.frontendBytesIn,
                    frontendMessagesOut: s.frontendMessagesOut,
                    frontendBytesOut: s.frontendBytesOut, backendMessagesIn: s.backendMessagesIn, backendBytesIn: s.backendBytesIn,
                    backendMessagesOut: s.backendMessagesOut, backendBytesOut: s.backendBytesOut,
                    frontendMessagesRefused: s.frontendMessagesRefused, backendSubscriptionsRefused: s.backendSubscriptionsRefused)
            }
            return []
        }
        await proxy.terminate()
        await ZMQContext.shared.authenticator?.close()
    }
}

private let settings = BusSettings()

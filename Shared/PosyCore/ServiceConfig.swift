import Foundation
import Logging
import PosySettings

/// A process's resolved settings (flags, then `POSY_*` environment, then defaults), as a plain value.
/// Commands resolve their ``ServiceOptions`` into this once, at the start of `run()`; tools and
/// tests build one directly.
public struct ServiceConfig: Sendable {
    static let settings = ServiceSettings()
    public var busPub = settings.busPub.standard
    public var busSub = settings.busSub.standard
    /// RPC bind endpoint; nil: `POSY_<SERVICE>_RPC`, else the service's default port.
    public var rpc: String?
    /// RPC endpoint advertised in heartbeats; nil: `POSY_<SERVICE>_ADVERTISE`, else the bound one.
    public var advertise: String?
    public var dataDir = settings.dataDir.standard
    public var logLevel: Logger.Level = .info
    public var retentionHours = settings.outboxRetentionHours.standard
    public var syncFull = settings.syncFull.standard
    /// Where the suite's keys are (`<identity>.key`, `*.pub`); nil: `<dataDir>/keys`.
    public var keysDir: String?
    /// ZeroMQ without CURVE (`--insecure-bus`): benchmarks comparing both only.
    public var insecureBus = settings.insecureBus.standard

    public init() {}

    public var resolvedKeysDir: String { keysDir ?? (dataDir as NSString).appendingPathComponent("keys") }

    /// The process's security as `identity`: its keyring, or none with `insecureBus`.
    public func security(identity: String) throws -> BusSecurity {
        insecureBus ? .insecure : BusSecurity(keyring: try SuiteKeyring.load(directory: resolvedKeysDir, identity: identity))
    }

    /// The RPC endpoint to bind: `--rpc`, else `POSY_<SERVICE>_RPC`, else the service's port.
    public func rpcEndpoint(service: String, defaultPort: Int) -> String {
        rpc ?? (try? Settings.process.optional(Self.settings.rpc.of(service: service)))
            ?? (defaultPort == 0 ? "tcp://127.0.0.1:*" : "tcp://127.0.0.1:\(defaultPort)")
    }

    /// The RPC endpoint heartbeats advertise: `--advertise`, else `POSY_<SERVICE>_ADVERTISE`, else none (the bound one).
    public func advertiseEndpoint(service: String) -> String? {
        advertise ?? (try? Settings.process.optional(Self.settings.advertise.of(service: service)))
    }
}

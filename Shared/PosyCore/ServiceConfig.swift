import Foundation
import Logging

/// A process's resolved settings (flags, then `POSY_*` environment, then defaults), as a plain value.
/// Commands resolve their ``ServiceOptions`` into this once, at the start of `run()`; tools and
/// tests build one directly.
public struct ServiceConfig: Sendable {
    public var busPub = "tcp://127.0.0.1:7100"
    public var busSub = "tcp://127.0.0.1:7101"
    /// RPC bind endpoint; nil: `POSY_<SERVICE>_RPC`, else the service's default port.
    public var rpc: String?
    /// RPC endpoint advertised in heartbeats; nil: `POSY_<SERVICE>_ADVERTISE`, else the bound one.
    public var advertise: String?
    public var dataDir = "./data"
    public var logLevel: Logger.Level = .info
    public var retentionHours = 168.0
    public var syncFull = false
    /// Where the suite's keys are (`<identity>.key`, `*.pub`); nil: `<dataDir>/keys`.
    public var keysDir: String?
    /// ZeroMQ without CURVE (`--insecure-bus`): benchmarks comparing both only.
    public var insecureBus = false

    public init() {}

    public var resolvedKeysDir: String { keysDir ?? (dataDir as NSString).appendingPathComponent("keys") }

    /// The process's security as `identity`: its keyring, or none with `insecureBus`.
    public func security(identity: String) throws -> BusSecurity {
        insecureBus ? .insecure : BusSecurity(keyring: try SuiteKeyring.load(directory: resolvedKeysDir, identity: identity))
    }

    public func rpcEndpoint(service: String, defaultPort: Int) -> String {
        rpc ?? Environment.string("POSY_\(service.uppercased())_RPC")
            ?? (defaultPort == 0 ? "tcp://127.0.0.1:*" : "tcp://127.0.0.1:\(defaultPort)")
    }

    public func advertiseEndpoint(service: String) -> String? {
        advertise ?? Environment.string("POSY_\(service.uppercased())_ADVERTISE")
    }
}

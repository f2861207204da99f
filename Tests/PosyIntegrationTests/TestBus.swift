import Foundation
import PosyCore
import PosySchema
import PosyZMQ

/// A bus the test is: a forwarder in the test's own process with the bus's key, admitting the keys
/// made for `identities` in `<dir>/keys`, with the filters the test gives it — for what only a bus
/// that misbehaves can show (a subscriber's second check, a gateway's canary).
struct TestBus {
    let keysDir: String
    let proxy: ZMQProxy
    let authenticator: ZMQAuthenticator
    let authenticating: Task<Void, Never>

    init(
        dir: String, identities: [String], filter: ZMQProxy.Filter? = nil, subscriptionFilter: ZMQProxy.SubscriptionFilter? = nil
    ) async throws {
        keysDir = "\(dir)/keys"
        try SuiteKeyring.create(directory: keysDir, identities: [ServiceName.bus] + identities)
        let bus = try SuiteKeyring.load(directory: keysDir, identity: ServiceName.bus)
        guard ZMQContext.shared.authenticator == nil else {
            throw PosyError(.conflict, "another test left a ZAP handler on the shared context")
        }
        authenticator = try await ZMQAuthenticator.bind(keys: try SuiteKeyring.publicKeys(directory: keysDir))
        let authenticator = authenticator
        authenticating = Task { await authenticator.run() }
        var o = ZMQSocketOptions()
        o.curve = .server(bus.own)
        proxy = try await ZMQProxy.start(
            frontend: .xsub, bind: ["tcp://127.0.0.1:*"], options: o, backend: .xpub, bind: ["tcp://127.0.0.1:*"], options: o,
            filter: filter, subscriptionFilter: subscriptionFilter)
    }

    var pub: String { proxy.frontendEndpoints[0] }
    var sub: String { proxy.backendEndpoints[0] }

    func stop() async {
        await proxy.terminate()
        await authenticator.close()
        await authenticating.value
    }
}

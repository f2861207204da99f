import ArgumentParser
import PosyAuth
import PosyCore
import PosyGateway
import PosySchema

/// `posy-gateway`: the public HTTP edge. Stateless; finds services from their heartbeats.
@main
struct GatewayMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posy-gateway", abstract: "Posy gateway: HTTP (default 127.0.0.1:8080), /healthz, /metrics.")

    @OptionGroup var gateway: GatewayOptions
    @OptionGroup var options: ServiceOptions

    func run() async throws {
        let gateway = try self.gateway.config()
        let config = try options.config()
        try await ServiceMain.run(
            ServiceDescriptor(service: ServiceName.gateway, instance: gateway.instance, defaultRPCPort: 0, migrations: nil), config: config
        ) { host in
            let secret = try SuiteSecret.load(dataDir: config.dataDir)
            return try GatewayApp.build(host: host, config: gateway, secret: secret)
        }
    }
}

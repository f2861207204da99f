import Foundation
import Testing

extension Integration {
    /// More streams than one gateway may hold, on two gateways sharing the HTTP port
    /// (`posy up --gateways 2`, SO_REUSEPORT): every stream is admitted, the kernel spreads them,
    /// and an order placed (a durable event) and a courier's position (a push) reach every one.
    @Suite(.serialized) struct SharedPortTests {
        @Test(.timeLimit(.minutes(3)))
        func twoGatewaysOnOnePortHoldMoreStreamsThanOneAndPushesReachThemAll() async throws {
            let suite = try SuiteTests.Suite("shared-port", upArgs: ["--rate-limit", "0", "--gateways", "2"], openFiles: 420)
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let (status, output) = try await StreamCapacityTests.drive(suite, mode: "shared", streams: 250)
            #expect(status == 0 && output.contains("\nOK"), "\(output)\n\(suite.up.log.suffix(3000))")
            #expect(suite.up.log.contains("gateway-1: open files") && suite.up.log.contains("gateway-2: open files"))
            #expect(await suite.stop())
        }
    }
}

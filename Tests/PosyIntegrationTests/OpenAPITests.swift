import Foundation
import PosyGateway
import Testing
import Yams

extension Integration {
    /// `docs/openapi.yaml` and the gateway agree both ways, every documented operation answers through
    /// the real gateway, the gateway serves this very file, and the file is valid OpenAPI 3.1.
    @Suite(.serialized) struct OpenAPITests {
        static let specPath = Harness.packageRoot.appendingPathComponent("docs/openapi.yaml").path

        static func operations() throws -> Set<String> {
            let spec = try #require(try Yams.load(yaml: String(contentsOfFile: specPath, encoding: .utf8)) as? [String: Any])
            let paths = try #require(spec["paths"] as? [String: [String: Any]])
            var ops = Set<String>()
            for (path, item) in paths {
                for method in item.keys where ["get", "post", "put", "patch", "delete"].contains(method) {
                    ops.insert("\(method.uppercased()) \(path)")
                }
            }
            return ops
        }

        @Test func specAndGatewayRoutesAreTheSameBothWays() throws {
            let ops = try Self.operations()
            #expect(ops.subtracting(GatewayRoutes.all).isEmpty, "documented but not served: \(ops.subtracting(GatewayRoutes.all).sorted())")
            #expect(GatewayRoutes.all.subtracting(ops).isEmpty, "served but not documented: \(GatewayRoutes.all.subtracting(ops).sorted())")
        }

        @Test func specIsValidOpenAPI() async throws {
            let (status, out) = try await Harness.run(path: "python3", ["-c", """
                import sys, yaml
                from openapi_spec_validator import validate
                validate(yaml.safe_load(open(sys.argv[1])))
                print("valid")
                """, Self.specPath])
            #expect(status == 0 && out.contains("valid"), "\(out)")
        }

        @Test(.timeLimit(.minutes(2)))
        func everyDocumentedOperationAnswersThroughTheGateway() async throws {
            let suite = try SuiteTests.Suite("openapi")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let base = "http://127.0.0.1:\(suite.httpPort)"
            for op in try Self.operations().sorted() {
                let parts = op.split(separator: " ", maxSplits: 1).map(String.init)
                let path = parts[1].replacingOccurrences(of: "{id}", with: "o-none").replacingOccurrences(of: "{shop}", with: "s-none")
                    .replacingOccurrences(of: "{token}", with: "not-a-token")
                let (status, body) = await Harness.http(parts[0], base + path, json: parts[0] == "POST" ? [String: Any]() : nil)
                if path.hasPrefix("/v1/") {
                    // Registered and protected: our JSON error, not the router's bare "no such route".
                    #expect(status == 401 && (body as? [String: Any])?["code"] as? String == "unauthorized", "\(op): \(status)")
                } else {
                    #expect(status == 200, "\(op): \(status)")
                }
            }
            let (_, unknown) = await Harness.http("GET", base + "/v1/no-such-route")
            #expect((unknown as? [String: Any])?["code"] == nil)  // what an unregistered route looks like
            let (status, served) = await Harness.get(base + "/openapi.yaml")
            #expect(status == 200)
            #expect(String(decoding: served, as: UTF8.self) == (try String(contentsOfFile: Self.specPath, encoding: .utf8)))
            #expect(await suite.stop())
        }
    }
}

import Foundation
import PosyGateway
import PosySchema
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
            let router = GatewayApp.apiRouter(
                backend: Unreachable(), config: GatewayConfig(expect: [], publicURL: "https://posy.example"),
                secret: "openapi-tests-secret-0123456789abcdef")
            let served = GatewayRoutes.served(by: router)
            #expect(served.contains("GET /healthz") && served.contains("GET /v1/orders/{id}"), "\(served.sorted())")
            #expect(ops.subtracting(served).isEmpty, "documented but not served: \(ops.subtracting(served).sorted())")
            #expect(served.subtracting(ops).isEmpty, "served but not documented: \(served.subtracting(ops).sorted())")
        }

        /// A backend for building the router only: no route is called.
        struct Unreachable: GatewayBackend {
            func send(_ method: String, body: Data, to instance: String, timeout: Duration, retries: Int) async throws -> Data {
                throw PosyError(.unavailable, "no suite behind this router")
            }
            func liveInstances(of service: String) -> [String] { [] }
            func health() async -> HealthSummary { HealthSummary(status: "unavailable", version: "", services: []) }
            func stats() async -> [(String, StatsReport?)] { [] }
        }

        @Test func specIsValidOpenAPI() async throws {
            let (status, out) = try await Harness.run(
                path: "python3",
                [
                    "-c",
                    """
                    import sys, yaml
                    from openapi_spec_validator import validate
                    validate(yaml.safe_load(open(sys.argv[1])))
                    print("valid")
                    """, Self.specPath,
                ])
            #expect(status == 0 && out.contains("valid"), "\(out)")
        }

        @Test(.timeLimit(.minutes(5)))
        func everyDocumentedOperationAnswersThroughTheGateway() async throws {
            let suite = try SuiteTests.Suite("openapi")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let base = "http://127.0.0.1:\(suite.httpPort)"
            for op in try Self.operations().sorted() {
                let parts = op.split(separator: " ", maxSplits: 1).map(String.init)
                let path = parts[1].replacingOccurrences(of: "{id}", with: "o-none").replacingOccurrences(of: "{shop}", with: "s-none")
                    .replacingOccurrences(of: "{token}", with: "not-a-token")
                let (status, body) = await Harness.http(parts[0], base + path, json: parts[0] == "POST" ? [String: Any]() : nil)
                if GatewayRoutes.signIn.contains(op) {
                    // Signing in takes no token: the body is judged (a code is required) — still our JSON error.
                    let code = (body as? [String: Any])?["code"] as? String
                    #expect((status == 400 && code == "bad_request") || (status == 401 && code == "unauthorized"), "\(op): \(status)")
                } else if GatewayRoutes.open.contains(op) {
                    #expect(status == 200, "\(op): \(status)")
                } else if path.hasPrefix("/v1/") || path == "/metrics" {
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
            // A path the gateway serves with another method: 405 with Allow, not 404.
            let (traceStatus, traceBody) = await Harness.http("DELETE", base + "/v1/orders")
            #expect(traceStatus == 405 && (traceBody as? [String: Any])?["code"] as? String == "method_not_allowed")

            // Schemathesis against the served spec as an admin: every status, content type, header and
            // body the gateway answers is one the spec documents, no 5xx, 405 for undeclared methods.
            // Deterministic generation, bounded in examples (about 3,500 requests).
            let admin = try suite.signer().mint(sub: "ops", role: .admin, ttl: 3600)
            let (st, stOut) = try await Harness.run(
                path: "python3",
                [
                    "-m", "schemathesis.cli", "run", base + "/openapi.yaml", "--url", base, "-H", "Authorization: Bearer \(admin)",
                    "--checks",
                    "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,unsupported_method",
                    "--max-examples", "25", "--generation-deterministic", "--request-timeout", "10", "--no-color",
                ], timeout: .seconds(240))
            #expect(st == 0, "schemathesis: \(stOut.suffix(4000))")
            // Every operation it selected was tested (none skipped for want of examples).
            let selected = stOut.components(separatedBy: "Selected: ").dropFirst().first?.split(separator: "/").first.map(String.init)
            let tested = stOut.components(separatedBy: "Tested: ").dropFirst().first?.prefix { $0.isNumber }.description
            #expect(selected != nil && selected == tested && (Int(selected ?? "") ?? 0) >= 50, "\(stOut.suffix(2000))")
            #expect(await suite.stop())
        }
    }
}

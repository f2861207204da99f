import Foundation
import PosyAuth
import Testing

extension Integration {
    /// The gateway at the edge over TLS (docs/operations.md, "TLS at the edge"): a browser that
    /// trusts the suite's certificate gets HTTPS and WSS; plain HTTP on that port gets nothing; the
    /// redirect listener sends everything to the configured HTTPS origin, whatever `Host` says.
    @Suite(.serialized) struct GatewayTLSTests {
        @Test(.timeLimit(.minutes(3)))
        func httpsAndWSSWithRedirectFromPlainHTTP() async throws {
            let certDir = Harness.tempDir("tls-cert")
            let (made, out) = try await Harness.run(
                path: "openssl",
                [
                    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", "\(certDir)/key.pem", "-out", "\(certDir)/cert.pem",
                ])
            try #require(made == 0, "openssl: \(out)")
            let redirectPort = Harness.freePorts(1)
            let suite = try SuiteTests.Suite(
                "tls", upArgs: ["--rate-limit", "0", "--tls-cert", "\(certDir)/cert.pem", "--tls-key", "\(certDir)/key.pem"],
                environment: ["POSY_HTTP_REDIRECT_PORT": "\(redirectPort)"])
            // posy up writes the suite's secret as it starts.
            #expect(await Harness.waitFor(.seconds(10)) { FileManager.default.fileExists(atPath: "\(suite.dir)/data/secret") })
            let token = try suite.signer().mint(sub: "st1", role: .staff, shop: "s1", ttl: 600)
            let (status, probeOut) = try await Harness.run(
                path: "python3",
                [
                    Harness.packageRoot.appendingPathComponent("Tests/python/tls_probe.py").path, "--port", "\(suite.httpPort)",
                    "--redirect-port", "\(redirectPort)", "--cafile", "\(certDir)/cert.pem", "--token", token,
                ], timeout: .seconds(90))
            #expect(status == 0, "\(probeOut)")
            let report = try #require(Harness.report(probeOut), "no report in:\n\(probeOut)")
            #expect(report["httpsStatus"] as? Int == 200, "\(report)\n\(suite.up.log.suffix(2000))")
            #expect((report["httpsBody"] as? [String: Any])?["status"] as? String == "ok", "\(report)")
            #expect(["TLSv1.2", "TLSv1.3"].contains(report["tlsVersion"] as? String ?? ""), "\(report)")
            #expect(report["plainStatus"] is NSNull, "plain HTTP answered on the HTTPS port: \(report)")
            #expect(report["wssOpened"] as? Bool == true, "\(report)")
            let target = "https://127.0.0.1:\(suite.httpPort)/v1/orders?limit=5"
            for name in ["redirect", "redirectForgedHost"] {
                let r = report[name] as? [String: Any]
                #expect(r?["status"] as? Int == 308 && r?["location"] as? String == target, "\(name): \(String(describing: r))")
            }
            #expect(await suite.stop())
        }
    }
}

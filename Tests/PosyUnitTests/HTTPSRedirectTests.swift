import Hummingbird
import HummingbirdTesting
import PosyGateway
import Testing

/// The plain-HTTP listener beside an HTTPS gateway (docs/operations.md, "TLS at the edge").
@Suite struct HTTPSRedirectTests {
    @Test func everyRequestGoesToTheSamePathUnderThePublicURLOnly() async throws {
        let app = Application(responder: HTTPSRedirect(publicURL: "https://flowers.example/"))
        try await app.test(.router) { client in
            let cases: [(String, String)] = [
                ("/v1/orders?limit=5", "https://flowers.example/v1/orders?limit=5"),
                ("/t/abc", "https://flowers.example/t/abc"),
                // A protocol-relative target would make the Location another origin.
                ("//evil.example/x", "https://flowers.example/"),
                ("http://evil.example/x", "https://flowers.example/"),
            ]
            for (target, location) in cases {
                try await client.execute(uri: target, method: .get) { response in
                    #expect(response.status == .permanentRedirect)
                    #expect(response.headers[.location] == location, "\(target)")
                }
            }
            try await client.execute(uri: "/x", method: .post) { response in
                #expect(response.status == .permanentRedirect && response.headers[.location] == "https://flowers.example/x")
            }
        }
    }
}

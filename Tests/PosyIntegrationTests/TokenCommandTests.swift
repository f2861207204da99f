import Foundation
import PosyAuth
import Testing

/// `posy token` as an operator uses it: the secret is generated into the data directory once (when
/// asked to) and reused; the token verifies with it; bad input is refused with a clear message.
@Suite struct TokenCommandTests {
    @Test func mintsVerifiableTokensFromTheGeneratedSecret() async throws {
        let dir = Harness.tempDir("token")
        // Outside a suite's data directory there is no secret: it says so and makes none, because a
        // token signed with a fresh secret would be refused by the running suite.
        let (none, noneOut) = try await Harness.run(
            "posy", ["token", "--sub", "u7", "--role", "courier", "--shop", "s1", "--data-dir", dir])
        #expect(none == 2, "\(noneOut)")
        #expect(noneOut.contains("no suite secret") && noneOut.contains("--create-secret"), "\(noneOut)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/secret"))
        let (status, out) = try await Harness.run(
            "posy",
            [
                "token", "--sub", "u7", "--role", "courier", "--shop", "s1", "--ttl", "30m",
                "--data-dir", dir, "--create-secret",
            ])
        #expect(status == 0, "\(out)")
        let secretPath = "\(dir)/secret"
        let secret = try String(contentsOfFile: secretPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.count == 64)
        let mode = try FileManager.default.attributesOfItem(atPath: secretPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let claims = try TokenSigner(secret: secret).verify(out.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(claims.sub == "u7" && claims.role == .courier && claims.shop == "s1")
        #expect(claims.exp - claims.iat == 1800)

        // The same secret is used next time.
        let (_, second) = try await Harness.run("posy", ["token", "--sub", "c1", "--role", "customer", "--order", "o9", "--data-dir", dir])
        #expect(try TokenSigner(secret: secret).verify(second.trimmingCharacters(in: .whitespacesAndNewlines)).order == "o9")

        let (bad, message) = try await Harness.run("posy", ["token", "--sub", "u1", "--role", "wizard", "--data-dir", dir])
        #expect(bad != 0)
        #expect(message.contains("--role must be one of"))
        let (noShop, shopMessage) = try await Harness.run("posy", ["token", "--sub", "u1", "--role", "staff", "--data-dir", dir])
        #expect(noShop != 0)
        #expect(shopMessage.contains("--shop is required"))
        let (tooLong, longMessage) = try await Harness.run(
            "posy", ["token", "--sub", "u1", "--role", "admin", "--ttl", "3650d", "--data-dir", dir])
        #expect(tooLong != 0)
        #expect(longMessage.contains("--ttl is over 90 days"), "\(longMessage)")
    }
}

import ArgumentParser
import Foundation
import PosyAccess
import PosyAuth
import PosyCore
import PosySettings

/// `posy token`: mint a bearer token from the suite's secret.
public struct TokenCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Mint an HMAC-SHA256 bearer token (JWT) from the suite's secret.")

    @Option(name: .customLong("sub"), help: "User id.")
    var sub: String
    @Option(name: .customLong("role"), help: "admin, staff, courier or customer.")
    var role: String
    @Option(name: .customLong("shop"), help: "Shop id (staff and couriers).")
    var shop: String?
    @Option(name: .customLong("order"), help: "Restrict to one order (a customer's tracking link).")
    var order: String?
    @Option(name: .customLong("ttl"), help: "Lifetime: 3600, 30m, 12h, 7d (default 24h).")
    var ttl: String = "24h"
    @Option(
        name: ServiceSettings().dataDir.name,
        help: "Data directory holding the secret; POSY_SECRET overrides (env POSY_DATA_DIR, default ./data).")
    var dataDir: String?
    @Flag(
        name: .customLong("create-secret"),
        help: "Create <data-dir>/secret if there is none (a new suite's; a running suite would reject the token otherwise).")
    var createSecret = false

    /// Why there is no token: no secret where the suite keeps it.
    struct NoSecret: Error, CustomStringConvertible {
        let path: String
        var description: String {
            "no suite secret at \(path) and POSY_SECRET is not set.\n"
                + "Run this in the directory `make run` / `posy up` uses, or pass --data-dir <its data directory> or POSY_SECRET; "
                + "--create-secret makes a new secret (tokens then only work for a suite started on that data directory)."
        }
    }

    public init() {}

    public func validate() throws {
        guard Role(rawValue: role) != nil else {
            throw ValidationError("--role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let seconds = Self.seconds(ttl) else { throw ValidationError("--ttl '\(ttl)' is not a duration like 3600, 30m, 12h or 7d") }
        guard seconds <= Double(TokenSigner.defaultMaxLifetime) else {
            throw ValidationError(
                "--ttl is over \(TokenSigner.defaultMaxLifetime / 86_400) days, the longest the gateway accepts by default")
        }
        guard !sub.isEmpty else { throw ValidationError("--sub must not be empty") }
        if role == "staff" || role == "courier", shop == nil { throw ValidationError("--shop is required for \(role)") }
    }

    public func run() throws {
        let dir = try Settings.process.value(ServiceSettings().dataDir, flag: dataDir)
        let secret: String
        do {
            secret = try SuiteSecret.load(dataDir: dir, create: createSecret)
        } catch {
            FileHandle.standardError.write(Data("posy token: \(NoSecret(path: (dir as NSString).appendingPathComponent("secret")))\n".utf8))
            throw ExitCode(2)
        }
        let token = try TokenSigner(secret: secret).mint(
            sub: sub, role: Role(rawValue: role)!, shop: shop, order: order, ttl: Self.seconds(ttl)!)
        print(token)
    }

    static func seconds(_ text: String) -> TimeInterval? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let last = text.last, let unit = units[last], let n = Double(text.dropLast()), n > 0 { return n * unit }
        if let n = Double(text), n > 0 { return n }
        return nil
    }
}

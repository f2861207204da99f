import ArgumentParser
import Foundation
import PosyCore
import PosySchema

/// The first minute of a new suite (docs/operations.md, "Running"): once posy-orders answers,
/// `posy up` says how to get in — the `posy invite` line to run, or, given `--first-shop`, that
/// shop created and its first manager's sign-in link.
struct FirstMinute {
    let layout: SuiteLayout
    let shopName: String?

    func run(say: @escaping @Sendable (String) -> Void) async {
        var config = ServiceConfig()
        config.keysDir = layout.keysDir
        config.insecureBus = layout.insecureBus
        let deadline = ContinuousClock.now + .seconds(60)
        var ready = false
        while !Task.isCancelled && !ready && ContinuousClock.now < deadline {
            guard let security = try? config.security(identity: ServiceName.cli),
                let directory = try? await Discovery.peers(busSub: layout.busSub, security: security, listen: .seconds(1))
            else { continue }
            ready = directory.peer(ServiceName.orders) != nil
        }
        guard ready else { return }
        let url = "\(layout.scheme)://\(layout.host):\(layout.httpPort)"
        var common = ["--bus-sub", layout.busSub, "--keys-dir", layout.keysDir, "--data-dir", layout.dataDir, "--url", url]
        if layout.insecureBus { common.append("--insecure-bus") }
        guard let shopName else {
            // The line works as printed: where this suite's data and bus are, when not the defaults.
            var line = "  posy invite --role manager --shop myshop --name \"Your name\" --shop-name \"Your shop\""
            if layout.dataDir != SuiteLayout().dataDir { line += " --data-dir \(layout.dataDir)" }
            if layout.busSub != SuiteLayout().busSub { line += " --bus-sub \(layout.busSub)" }
            say("a new suite: to get in, make a shop and its first manager's sign-in link with")
            say(line)
            say("(or start with posy up --first-shop \"Your shop\"); then open the link it prints, at \(url)/console/")
            return
        }
        say("a new suite: creating the shop \"\(shopName)\" and its first manager's sign-in link")
        let arguments = ["--role", "manager", "--shop", Self.shopId(shopName), "--name", "Manager", "--shop-name", shopName] + common
        do {
            guard let invite = try InviteCommand.parseAsRoot(arguments) as? InviteCommand else { return }
            try await invite.issue(say: say)
        } catch {
            say("could not make the first sign-in link (\(error)); run posy invite " + arguments.prefix(8).joined(separator: " "))
        }
    }

    /// A shop id from its name: lower-case letters and digits joined by `-`, or `shop-1` for a name
    /// with none (花店).
    static func shopId(_ name: String) -> String {
        let words = name.lowercased().split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }
        let id = words.joined(separator: "-").prefix(32)
        return id.isEmpty ? "shop-1" : String(id)
    }
}

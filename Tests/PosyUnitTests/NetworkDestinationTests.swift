import Foundation
import PosyCore
import Testing

@testable import PosyNotify

#if canImport(Glibc)
    import Glibc
#endif

/// Where a webhook may go: every address a URL's host resolves to is checked, and the call is made
/// to the checked address only; redirects are never followed.
@Suite struct NetworkDestinationTests {
    @Test(arguments: [
        ("127.0.0.1", IPAddress.Scope.local), ("127.8.9.1", .local), ("10.1.2.3", .local), ("172.16.0.1", .local),
        ("172.31.255.255", .local),
        ("192.168.1.1", .local), ("169.254.169.254", .local), ("100.64.0.1", .local), ("198.18.0.1", .local), ("192.0.2.10", .local),
        ("0.0.0.0", .never), ("0.1.2.3", .never), ("224.0.0.1", .never), ("239.255.255.250", .never), ("255.255.255.255", .never),
        ("240.0.0.1", .never),
        ("::1", .local), ("::", .never), ("::ffff:127.0.0.1", .local), ("::ffff:169.254.169.254", .local), ("::ffff:8.8.8.8", .global),
        ("64:ff9b::7f00:1", .local), ("fe80::1", .local), ("fd00:ec2::254", .local), ("fc00::1", .local), ("ff02::1", .never),
        ("2001:db8::1", .local), ("2001:0:4136:e378::1", .local), ("2002:7f00:1::1", .local), ("::127.0.0.1", .local),
        ("8.8.8.8", .global), ("172.32.0.1", .global), ("100.128.0.1", .global), ("2606:4700:4700::1111", .global),
    ])
    func addressScopes(_ text: String, _ scope: IPAddress.Scope) throws {
        let address = try #require(IPAddress(literal: text))
        #expect(address.scope == scope, "\(text)")
    }

    @Test func literalsAreStrict() {
        #expect(IPAddress(literal: "2130706433") == nil)
        #expect(IPAddress(literal: "0x7f.0.0.1") == nil)
        #expect(IPAddress(literal: "127.1") == nil)
        #expect(IPAddress(literal: "127.0.0.1")?.description == "127.0.0.1")
        #expect(IPAddress(literal: "::ffff:127.0.0.1")?.description == "::ffff:127.0.0.1")
    }

    @Test(arguments: [
        "http://127.0.0.1:7110/", "http://localhost:7101/", "http://[::1]:8080/", "http://0.0.0.0/", "http://2130706433/",
        "http://0x7f000001/", "http://127.1/", "http://169.254.169.254/latest/meta-data/", "http://[::ffff:127.0.0.1]/",
        "http://[fe80::1]/", "https://10.0.0.1/hook",
    ])
    func localDestinationsAreRefusedByTheirNameOrAfterResolution(_ url: String) async throws {
        await #expect(throws: NetworkDestination.Refusal.self) {
            _ = try await NetworkDestination.resolve(try NetworkDestination.host(of: url), allowLocal: false)
        }
    }

    @Test func theOperatorFlagAdmitsLoopbackButNeverUnspecifiedOrMulticast() async throws {
        let loop = try await NetworkDestination.resolve("localhost", allowLocal: true)
        #expect(["127.0.0.1", "::1"].contains(loop.address) && !loop.isLiteral)
        await #expect(throws: NetworkDestination.Refusal.self) { _ = try await NetworkDestination.resolve("0.0.0.0", allowLocal: true) }
        await #expect(throws: NetworkDestination.Refusal.self) { _ = try await NetworkDestination.resolve("224.0.0.1", allowLocal: true) }
    }

    /// A resolver that does not answer (a dropped packet waits seconds for its retry) is given up on
    /// at the deadline, as unresolved; an answer in time is checked as ever.
    @Test func aLookupNotAnsweredInTimeCountsAsUnresolved() async throws {
        let slow: @Sendable (String) -> [IPAddress] = { _ in
            usleep(3_000_000)
            return [IPAddress(literal: "203.0.113.9")!]
        }
        // The slow answer is a public address: only the deadline makes this unresolved.
        await #expect(throws: NetworkDestination.Refusal.unresolved) {
            _ = try await NetworkDestination.resolve("push.example.com", allowLocal: false, within: .milliseconds(200), lookup: slow)
        }
        let quick: @Sendable (String) -> [IPAddress] = { _ in [IPAddress(literal: "10.0.0.7")!] }
        await #expect(throws: NetworkDestination.Refusal.self) {
            _ = try await NetworkDestination.resolve("push.example.com", allowLocal: false, within: .seconds(5), lookup: quick)
        }
        let found = try await NetworkDestination.resolve("push.example.com", allowLocal: true, within: .seconds(5), lookup: quick)
        #expect(found.address == "10.0.0.7" && !found.isLiteral)
    }

    @Test(arguments: [
        "ftp://example.com/", "file:///etc/passwd", "http://user:pw@example.com/", "http:///path", "gopher://x/",
        "http://exa mple.com/", "http://example.com:0/",
    ])
    func urlsPosyDoesNotCallAreRefused(_ url: String) {
        #expect(throws: NetworkDestination.Refusal.self) { _ = try NetworkDestination.host(of: url) }
    }

    /// One spelling per host: a trailing dot, percent-encoding, a name only local networks have, or
    /// one label alone never reaches DNS, whatever the resolver here would make of it.
    @Test(arguments: [
        "http://localhost./", "http://localhost.localdomain/", "http://LOCALHOST/", "http://exa%09mple.com/", "http://exa%2Emple.com/",
        "http://example.com./", "http://printer.local/", "http://metadata.google.internal/", "http://router.home.arpa/",
        "http://intranet/", "http://a..b.com/", "http://-bad-.example.org/", "http://x.test/",
    ])
    func nonCanonicalAndLocalNamesAreRefused(_ url: String) {
        #expect(throws: NetworkDestination.Refusal.self) { _ = try NetworkDestination.host(of: url) }
    }

    @Test func canonicalNamesPassLowerCasedAndTheOperatorsFlagAdmitsLocalNames() throws {
        #expect(try NetworkDestination.host(of: "https://Hooks.Example.COM/posy") == "hooks.example.com")
        #expect(try NetworkDestination.host(of: "https://shop-1.flowers.example.org:8443/x") == "shop-1.flowers.example.org")
        #expect(try NetworkDestination.host(of: "http://[2001:db8::1]/") == "2001:db8::1")
        #expect(try NetworkDestination.host(of: "http://localhost:9000/", allowLocal: true) == "localhost")
        #expect(throws: NetworkDestination.Refusal.self) {
            _ = try NetworkDestination.host(of: "http://localhost.:9000/", allowLocal: true)
        }
    }

    /// The check runs at every attempt, not only when the webhook is registered: a webhook stored
    /// earlier (or whose DNS changed) that now points inside is refused with no connection made.
    @Test func anAttemptToALocalAddressIsRefusedWithoutConnecting() async throws {
        let listener = try LoopbackListener()
        let sender = OutboundSender(config: NotifyConfig(), logger: .init(label: "test"))
        for url in ["http://127.0.0.1:\(listener.port)/hook", "http://localhost:\(listener.port)/hook"] {
            let job = OutboundSender.Job(
                id: "wd_1", channel: "webhook", target: "wh_1", event: "order.placed", body: Data("{}".utf8),
                url: url, secret: "whsec_0123456789abcdef")
            await #expect(throws: OutboundFailure.notAllowed) { _ = try await sender.send(job, signedAt: Date()) }
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(listener.accepted == 0, "a connection reached the local address")
        #expect(OutboundFailure.notAllowed.isPermanent)
        #expect(OutboundFailure.notAllowed.description == "destination not allowed")
    }

    /// With local targets allowed (tests), a redirect is answered as a failure and not followed.
    @Test func redirectsAreNotFollowed() async throws {
        let target = try LoopbackListener()
        let redirector = try LoopbackListener(
            reply:
                "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:\(target.port)/v1/orders\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        var config = NotifyConfig()
        config.allowLocalTargets = true
        let sender = OutboundSender(config: config, logger: .init(label: "test"))
        let job = OutboundSender.Job(
            id: "wd_2", channel: "webhook", target: "wh_1", event: "order.placed", body: Data("{}".utf8),
            url: "http://127.0.0.1:\(redirector.port)/hook", secret: "whsec_0123456789abcdef")
        let status = try await sender.send(job, signedAt: Date())
        #expect(status == 302)
        #expect(OutboundFailure.status(302).description == "HTTP 302 (redirects are not followed)")
        try await Task.sleep(for: .milliseconds(200))
        #expect(redirector.accepted == 1)
        #expect(target.accepted == 0, "the redirect was followed")
    }
}

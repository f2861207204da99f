import Foundation
import PosyZMQ
import Synchronization
import Testing

/// CURVE and ZAP on real libzmq sockets: a server admits only the keys its authenticator knows,
/// and a server cannot open where nobody would be asked (docs/protocol.md, "Security").
@Suite struct ZMQCurveTests {
    /// A ROUTER that echoes what it gets, secured with `server` in its own context.
    struct Echo {
        let context = ZMQContext()
        let server = try! ZMQCurveKeyPair.generate()
        let authenticator: ZMQAuthenticator
        let router: ZMQSocket
        let answering: Task<Void, Never>
        let authenticating: Task<Void, Never>

        init(admit keys: [String: String]) async throws {
            authenticator = try await ZMQAuthenticator.bind(context: context, keys: keys)
            var o = ZMQSocketOptions()
            o.curve = .server(server)
            router = try await ZMQSocket.open(.router, bind: ["tcp://127.0.0.1:*"], options: o, context: context)
            let router = router
            answering = Task {
                while let batch = await router.inbox.next(max: 16) { router.post(batch) }
            }
            let authenticator = authenticator
            authenticating = Task { await authenticator.run() }
        }

        var endpoint: String { router.boundEndpoints[0] }

        func stop() async {
            await router.close()
            await authenticator.close()
            await answering.value
            await authenticating.value
        }
    }

    /// Whether a DEALER with `curve` gets its message echoed within a second.
    static func echoed(_ endpoint: String, _ curve: ZMQCurve?) async throws -> Bool {
        var o = ZMQSocketOptions()
        o.curve = curve
        let dealer = try await ZMQSocket.open(.dealer, connect: [endpoint], options: o)
        defer { Task { await dealer.close() } }
        dealer.post([[Data("hello".utf8)]])
        return await receive(dealer, within: .seconds(1)) == [Data("hello".utf8)]
    }

    @Test func keysAreZ85AndThePublicKeyFollowsFromTheSecret() throws {
        let pair = try ZMQCurveKeyPair.generate()
        #expect(pair.publicKey.count == 40 && pair.secretKey.count == 40 && pair.publicKey != pair.secretKey)
        #expect(ZMQCurveKeyPair(secretKey: pair.secretKey) == pair)
        #expect(ZMQCurveKeyPair.isKey(pair.publicKey))
        #expect(!ZMQCurveKeyPair.isKey("too short") && ZMQCurveKeyPair(secretKey: String(repeating: "\"", count: 40)) == nil)
        #expect(try ZMQCurveKeyPair.generate() != pair)
    }

    @Test func onlyAKnownKeyGetsThrough() async throws {
        let alpha = try ZMQCurveKeyPair.generate()
        let stranger = try ZMQCurveKeyPair.generate()
        let echo = try await Echo(admit: ["alpha": alpha.publicKey])
        #expect(try await Self.echoed(echo.endpoint, .client(alpha, serverKey: echo.server.publicKey)))
        // An unknown key, no CURVE at all, a known key that expects another server: nothing.
        #expect(try await !Self.echoed(echo.endpoint, .client(stranger, serverKey: echo.server.publicKey)))
        #expect(try await !Self.echoed(echo.endpoint, nil))
        #expect(try await !Self.echoed(echo.endpoint, .client(alpha, serverKey: stranger.publicKey)))
        #expect(echo.authenticator.admitted >= 1 && echo.authenticator.refused >= 1)
        // Revoked: the next connection with alpha's key is refused too.
        try echo.authenticator.update(keys: [:])
        #expect(try await !Self.echoed(echo.endpoint, .client(alpha, serverKey: echo.server.publicKey)))
        await echo.stop()
    }

    @Test func aFailedHandshakeIsHeardNotSilent() async throws {
        let alpha = try ZMQCurveKeyPair.generate()
        let stranger = try ZMQCurveKeyPair.generate()
        let echo = try await Echo(admit: ["alpha": alpha.publicKey])
        func failures(_ curve: ZMQCurve) async throws -> (Int, [String]) {
            let context = ZMQContext()
            let heard = Mutex<[String]>([])
            context.observeHandshakeFailures { endpoint in heard.withLock { $0.append(endpoint) } }
            var o = ZMQSocketOptions()
            o.curve = curve
            let dealer = try await ZMQSocket.open(.dealer, connect: [echo.endpoint], options: o, context: context)
            dealer.post([[Data("hello".utf8)]])
            _ = await receive(dealer, within: .milliseconds(1500))
            await dealer.close()
            return (context.handshakeFailures, heard.withLock { $0 })
        }
        // A key the server does not admit, and the right key for the wrong server: both heard.
        for curve in [ZMQCurve.client(stranger, serverKey: echo.server.publicKey), .client(alpha, serverKey: stranger.publicKey)] {
            let (count, endpoints) = try await failures(curve)
            #expect(count >= 1 && endpoints.contains(echo.endpoint), "\(count) \(endpoints)")
        }
        #expect(try await failures(.client(alpha, serverKey: echo.server.publicKey)).0 == 0)
        await echo.stop()
    }

    @Test func aServerWithNobodyToAskDoesNotOpen() async throws {
        var o = ZMQSocketOptions()
        o.curve = .server(try ZMQCurveKeyPair.generate())
        await #expect(throws: ZMQError.self) {
            _ = try await ZMQSocket.open(.router, bind: ["tcp://127.0.0.1:*"], options: o, context: ZMQContext())
        }
        await #expect(throws: ZMQError.self) { _ = try await ZMQAuthenticator.bind(context: ZMQContext(), keys: ["x": "not a key"]) }
    }

    /// A context whose ZAP handler admits `names` (each with a fresh key pair), and a server key pair.
    struct Realm {
        let context = ZMQContext()
        let server = try! ZMQCurveKeyPair.generate()
        let keys: [String: ZMQCurveKeyPair]
        let authenticator: ZMQAuthenticator
        let authenticating: Task<Void, Never>

        init(_ names: [String]) async throws {
            keys = Dictionary(uniqueKeysWithValues: try names.map { ($0, try ZMQCurveKeyPair.generate()) })
            authenticator = try await ZMQAuthenticator.bind(context: context, keys: keys.mapValues(\.publicKey))
            let authenticator = authenticator
            authenticating = Task { await authenticator.run() }
        }

        var serverOptions: ZMQSocketOptions {
            var o = ZMQSocketOptions()
            o.curve = .server(server)
            return o
        }

        func client(_ name: String, subscriptions: [String] = []) -> ZMQSocketOptions {
            var c = ZMQSocketOptions()
            c.curve = .client(keys[name]!, serverKey: server.publicKey)
            c.subscriptions = subscriptions
            return c
        }

        /// An XSUB → XPUB forwarder with the server's key.
        func proxy(filter: ZMQProxy.Filter? = nil, subscriptionFilter: ZMQProxy.SubscriptionFilter? = nil) async throws -> ZMQProxy {
            try await ZMQProxy.start(
                frontend: .xsub, bind: ["tcp://127.0.0.1:*"], options: serverOptions, backend: .xpub, bind: ["tcp://127.0.0.1:*"],
                options: serverOptions, context: context, filter: filter, subscriptionFilter: subscriptionFilter)
        }

        func stop() async {
            await authenticator.close()
            await authenticating.value
        }
    }

    @Test func everyMessageNamesTheIdentityItsConnectionProved() async throws {
        let realm = try await Realm(["alpha", "beta"])
        var o = realm.serverOptions
        o.peerIdentity = true
        let router = try await ZMQSocket.open(.router, bind: ["tcp://127.0.0.1:*"], options: o, context: realm.context)
        var seen: [String: String] = [:]
        for name in ["alpha", "beta"] {
            let dealer = try await ZMQSocket.open(.dealer, connect: [router.boundEndpoints[0]], options: realm.client(name))
            // The message claims to be from someone else; the first frame says who it is from.
            dealer.post([[Data("I am admin".utf8)]])
            if let frames = await receive(router, within: .seconds(2)), frames.count == 3 {
                seen[name] = String(decoding: frames[0], as: UTF8.self)
                #expect(frames[2] == Data("I am admin".utf8))
            }
            await dealer.close()
        }
        #expect(seen == ["alpha": "alpha", "beta": "beta"])
        await router.close()
        await realm.stop()
    }

    @Test func theProxyForwardsOnlyWhatItsFilterAdmitsForThePeer() async throws {
        let realm = try await Realm(["alpha"])
        // A message goes on only when its first frame names the publisher.
        let proxy = try await realm.proxy(filter: { peer, frames in String(decoding: frames[0], as: UTF8.self) == peer })
        let pub = try await ZMQSocket.open(
            .pub, connect: [proxy.frontendEndpoints[0]], options: realm.client("alpha"), context: realm.context)
        let sub = try await ZMQSocket.open(
            .sub, connect: [proxy.backendEndpoints[0]], options: realm.client("alpha", subscriptions: [""]), context: realm.context)
        var got: [Data]?
        for _ in 0..<50 where got == nil {
            pub.post([[Data("bravo".utf8), Data("forged".utf8)], [Data("alpha".utf8), Data("own".utf8)]])
            got = await receive(sub, within: .milliseconds(100))
        }
        #expect(got == [Data("alpha".utf8), Data("own".utf8)])
        while let more = await receive(sub, within: .milliseconds(200)) { #expect(more[0] == Data("alpha".utf8)) }
        #expect(proxy.statistics.frontendMessagesRefused >= 1)
        await pub.close()
        await sub.close()
        await proxy.terminate()
        await realm.stop()
    }

    @Test func aRefusedSubscriptionIsNeverMadeSoNothingUnderItArrives() async throws {
        let realm = try await Realm(["alpha", "beta"])
        // beta may subscribe to anything; alpha to nothing under "secret."
        let proxy = try await realm.proxy(subscriptionFilter: { peer, prefix in
            peer == "beta" || !Array("secret.".utf8).starts(with: prefix)
        })
        func open(_ type: ZMQSocketType, _ endpoint: String, _ options: ZMQSocketOptions) async throws -> ZMQSocket {
            try await ZMQSocket.open(type, connect: [endpoint], options: options, context: realm.context)
        }
        let pub = try await open(.pub, proxy.frontendEndpoints[0], realm.client("beta"))
        let nosy = try await open(.sub, proxy.backendEndpoints[0], realm.client("alpha", subscriptions: ["", "public."]))
        let entitled = try await open(.sub, proxy.backendEndpoints[0], realm.client("beta", subscriptions: [""]))
        var heardByEntitled = 0
        var heardByNosy: [String] = []
        for _ in 0..<30 {
            pub.post([[Data("secret.x".utf8), Data("card message".utf8)], [Data("public.x".utf8), Data("hello".utf8)]])
            while let m = await receive(entitled, within: .milliseconds(20)) { heardByEntitled += m.isEmpty ? 0 : 1 }
            while let m = await receive(nosy, within: .milliseconds(20)) { heardByNosy.append(String(decoding: m[0], as: UTF8.self)) }
        }
        #expect(heardByEntitled > 0, "the entitled subscriber heard nothing: the test proves nothing")
        #expect(heardByNosy.contains("public.x"), "the allowed subscription was not made")
        #expect(!heardByNosy.contains("secret.x"), "a refused subscription delivered")
        #expect(proxy.statistics.backendSubscriptionsRefused >= 1)
        await pub.close()
        await nosy.close()
        await entitled.close()
        await proxy.terminate()
        await realm.stop()
    }

    /// Whatever other subscribers do — refused or allowed, once or twice, unsubscribing or just
    /// leaving, several with one identity — a subscriber keeps what it subscribed to (a refused
    /// `""` that left used to cancel the gateway's own `""` upstream: no push reached anyone).
    @Test func noOtherSubscriberCanCancelASubscription() async throws {
        let realm = try await Realm(["gateway", "watcher", "nosy", "other"])
        // nosy may take in nothing under "secret."; the rest may subscribe to anything.
        let proxy = try await realm.proxy(subscriptionFilter: { peer, prefix in
            let secret = Array("secret.".utf8)
            return peer != "nosy" || !(secret.starts(with: prefix) || prefix.starts(with: secret))
        })
        func open(_ type: ZMQSocketType, _ name: String, _ subscriptions: [String] = []) async throws -> ZMQSocket {
            try await ZMQSocket.open(
                type, connect: [type == .pub ? proxy.frontendEndpoints[0] : proxy.backendEndpoints[0]],
                options: realm.client(name, subscriptions: type == .sub ? subscriptions : []), context: realm.context)
        }
        /// XSUB speaks subscriptions as messages: 1 or 0, then the prefix.
        func say(_ xsub: ZMQSocket, _ on: Bool, _ prefix: String) {
            xsub.post([[Data([on ? 1 : 0] + Array(prefix.utf8))]])
        }
        let pub = try await open(.pub, "other")
        // The gateway takes everything; a watcher takes one prefix only.
        let gateway = try await open(.sub, "gateway", [""])
        let watcher = try await open(.sub, "watcher", ["secret."])
        /// Publishes for about half a second, or until the listeners heard what `expected` says;
        /// returns the topics each heard.
        func heard(_ listeners: [ZMQSocket], expected: [Set<String>]? = nil) async -> [Set<String>] {
            let topics = ["secret.a", "public.a"]
            var got = [Set<String>](repeating: [], count: listeners.count)
            for _ in 0..<20 where got != expected {
                pub.post(topics.map { [Data($0.utf8), Data("x".utf8)] })
                for (i, l) in listeners.enumerated() {
                    while let m = await receive(l, within: .milliseconds(25)) { got[i].insert(String(decoding: m[0], as: UTF8.self)) }
                }
            }
            return got
        }
        func expectVictimsHear(_ step: String) async {
            let got = await heard([gateway, watcher], expected: [["secret.a", "public.a"], ["secret.a"]])
            #expect(got[0] == ["secret.a", "public.a"], "after \(step), the gateway heard \(got[0])")
            #expect(got[1] == ["secret.a"], "after \(step), the watcher heard \(got[1])")
        }
        await expectVictimsHear("start")

        // Refused subscriptions, then leaving: the reported case, and its variants.
        for prefixes in [[""], ["secret."], ["s", "secret.", "secret.a"], ["", "", "public."]] {
            let nosy = try await open(.sub, "nosy", prefixes)
            let got = await heard([nosy])
            #expect(!got[0].contains("secret.a"), "a refused subscription delivered: \(prefixes)")
            #expect(got[0].contains("public.a") == prefixes.contains("public."), "\(prefixes): \(got[0])")
            await nosy.close()
            await expectVictimsHear("nosy left with \(prefixes)")
        }
        // Refused twice, cancelled explicitly (twice), then leaving.
        let raw = try await open(.xsub, "nosy")
        for _ in 0..<2 { say(raw, true, "secret.") }
        for _ in 0..<2 { say(raw, false, "secret.") }
        say(raw, false, "")
        await expectVictimsHear("nosy cancelled what it was refused")
        await raw.close()
        await expectVictimsHear("nosy's raw socket left")

        // Allowed subscriptions equal to the victims', from several peers of one identity.
        let others = [try await open(.sub, "other", [""]), try await open(.sub, "other", ["secret."]), try await open(.xsub, "other")]
        say(others[2], true, "secret.")
        say(others[2], true, "secret.")
        #expect(await heard([others[2]], expected: [["secret.a"]])[0] == ["secret.a"], "an allowed subscription was not made")
        say(others[2], false, "secret.")
        say(others[2], false, "secret.")  // the XSUB's own count reached 0 here: the cancellation goes out
        try await Task.sleep(for: .milliseconds(300))
        while await receive(others[2], within: .milliseconds(50)) != nil {}  // what was on its way before
        let silent = await heard([others[2]])[0]
        #expect(silent.isEmpty, "a cancelled subscription still delivered: \(silent)")
        await expectVictimsHear("another peer cancelled the same prefix")
        for other in others {
            await other.close()
            await expectVictimsHear("a peer with the same subscription left")
        }
        #expect(proxy.statistics.backendSubscriptionsRefused >= 8)
        await pub.close()
        await gateway.close()
        await watcher.close()
        await proxy.terminate()
        await realm.stop()
    }
}

/// Settings of the suite as a whole, read by several of its programs.
public struct SuiteSettings: SettingsCatalog {
    public static let takenBy = "the suite"
    public init() {}

    public let publicURL = Setting<String>(
        "public-url", "POSY_PUBLIC_URL", unset: "http://<http-host>:<http-port> of the gateway (https with TLS)",
        "The URL people reach the gateway at: tracking links, links in notifications and invitations (posy-gateway, posy-notify, posy invite --url; posy up passes its gateway's)"
    )
    public let secret = Setting<String>(
        nil, "POSY_SECRET", unset: "<data-dir>/secret, generated (0600) by posy up",
        "The suite's token secret; posy token only reads it, posy-receipts seals evidence heads with it", isSecret: true)
    public let testClock = Setting<String>(
        "test-clock", "POSY_TEST_CLOCK", unset: "off",
        "Tests only: posy-location and posy-notify run on a clock that starts at this RFC 3339 time and moves only by the clock.advance RPC"
    )
    public let maskedCallURL = Setting<String>(
        "masked-call-url", "POSY_MASKED_CALL_URL", unset: "none: couriers call recipients' own numbers",
        "A masked-number provider (docs/protocol.md, Masked numbers): couriers call recipients through a binding and never see their numbers (posy-orders, posy-notify)"
    )
    public let mallocArenas = Setting<Int>(
        nil, "POSY_MALLOC_ARENAS", default: 2, "glibc malloc arenas per process (0: glibc's own default; MALLOC_ARENA_MAX wins)")
    public let releaseStartAfter = Setting<Double>(
        nil, "POSY_RELEASE_START_AFTER", default: 5,
        "Seconds from a service's start to letting go of its executable's pages, which it ran to start (0: keep them)")
    public let exitWithParent = Setting<Bool>(
        nil, "POSY_EXIT_WITH_PARENT", default: false, "Stop when the parent process dies (posy up sets it for its children)")
}

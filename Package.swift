// swift-tools-version:6.0
import PackageDescription

/// The services' release executables carry the Swift runtime and Foundation themselves, linked
/// statically, and export none of their symbols: what a process runs of them then lies in its own
/// executable, gathered by `Services/startup.ld`, and is let go once the start is over
/// (`StartPages`; docs/architecture.md, "Linking"; docs/performance.md, "Memory at rest"). At link
/// time only, so that the modules and the tests, which load the toolchain's shared libraries, build
/// as before; `-static-stdlib` alone names the runtime, so the libraries Foundation needs are named.
let serviceLinking: [LinkerSetting] = [
    .unsafeFlags(
        [
            "-static-stdlib", "-lFoundationInternationalization", "-l_FoundationICU", "-l_FoundationCollections",
            "-l_FoundationCShims", "-lCoreFoundation", "-lswiftSynchronization", "-lswift_RegexParser",
            "-lswift_StringProcessing", "-Xlinker", "--no-export-dynamic",
        ], .when(platforms: [.linux], configuration: .release))
]

let package = Package(
    name: "posy",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "posy", targets: ["posy"]),
        .executable(name: "posy-bus", targets: ["posy-bus"]),
        .executable(name: "posy-orders", targets: ["posy-orders"]),
        .executable(name: "posy-messaging", targets: ["posy-messaging"]),
        .executable(name: "posy-location", targets: ["posy-location"]),
        .executable(name: "posy-receipts", targets: ["posy-receipts"]),
        .executable(name: "posy-notify", targets: ["posy-notify"]),
        .executable(name: "posy-gateway", targets: ["posy-gateway"]),
        .executable(name: "posy-bench", targets: ["posy-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
    ],
    targets: [
        // System libraries (Shared/)
        .systemLibrary(
            name: "CZeroMQ", path: "Shared/CZeroMQ",
            providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(
            name: "CSQLite", path: "Shared/CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CMalloc", path: "Shared/CMalloc"),
        // Shared modules
        .target(name: "PosySchema", path: "Shared/PosySchema"),
        .target(
            name: "PosyWebPush", dependencies: ["PosySchema", .product(name: "Crypto", package: "swift-crypto")],
            path: "Shared/PosyWebPush"),
        .target(
            name: "PosyZMQ", dependencies: ["CZeroMQ", "CMalloc"], path: "Shared/PosyZMQ"),
        .target(
            name: "PosyStore",
            dependencies: ["CSQLite", "CMalloc", "PosyZMQ", .product(name: "Logging", package: "swift-log")],
            path: "Shared/PosyStore"),
        .target(name: "PosyAccess", dependencies: ["PosySchema"], path: "Shared/PosyAccess"),
        .target(
            name: "PosyAuth",
            dependencies: ["PosySchema", "PosyAccess", "PosySettings", .product(name: "Crypto", package: "swift-crypto")],
            path: "Shared/PosyAuth"),
        .target(
            name: "PosySettings",
            dependencies: [
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Shared/PosySettings"),
        .target(
            name: "PosyCore",
            dependencies: [
                "PosySchema", "PosyAccess", "PosySettings", "PosyZMQ", "PosyStore", "CMalloc",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Shared/PosyCore"),
        // Services/: each service's visibility rules are a small policy target others may import
        // (docs/architecture.md, "Modules"); a service's library is imported by its own main only.
        .target(name: "PosyOrdersPolicy", dependencies: ["PosySchema", "PosyAccess"], path: "Services/Orders/Policy"),
        .target(
            name: "PosyReceiptsPolicy",
            dependencies: ["PosySchema", "PosyAccess", "PosyStore", .product(name: "Crypto", package: "swift-crypto")],
            path: "Services/Receipts/Policy"),
        .target(name: "PosyLocationPolicy", dependencies: ["PosySchema", "PosyAccess"], path: "Services/Location/Policy"),
        .executableTarget(
            name: "posy-bus",
            dependencies: [
                "PosySettings",
                "PosyCore", "PosySchema", "PosyStore", "PosyZMQ", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ], path: "Services/Bus", linkerSettings: serviceLinking),
        .target(
            name: "PosyOrders",
            dependencies: [
                "PosySchema", "PosyAuth", "PosyAccess", "PosyOrdersPolicy", "PosyCore", "PosyStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/Orders/Library"),
        .executableTarget(
            name: "posy-orders",
            dependencies: [
                "PosySettings", "PosyCore", "PosyOrders", "PosySchema", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Services/Orders/Main", linkerSettings: serviceLinking),
        .target(
            name: "PosyMessaging",
            dependencies: [
                "PosySettings",
                "PosySchema", "PosyCore", "PosyStore", "PosyAccess",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/Messaging/Library"),
        .executableTarget(
            name: "posy-messaging",
            dependencies: [
                "PosySettings", "PosyCore", "PosyMessaging", "PosySchema",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/Messaging/Main", linkerSettings: serviceLinking),
        .target(
            name: "PosyLocation",
            dependencies: [
                "PosySettings",
                "PosySchema", "PosyCore", "PosyStore", "PosyAccess", "PosyLocationPolicy",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/Location/Library"),
        .executableTarget(
            name: "posy-location",
            dependencies: [
                "PosySettings", "PosyCore", "PosyLocation", "PosySchema",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Services/Location/Main", linkerSettings: serviceLinking),
        .target(
            name: "PosyReceipts",
            dependencies: [
                "PosySettings",
                "PosySchema", "PosyCore", "PosyStore", "PosyAccess", "PosyOrdersPolicy", "PosyReceiptsPolicy",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/Receipts/Library"),
        .executableTarget(
            name: "posy-receipts",
            dependencies: [
                "PosySettings",
                "PosyCore", "PosyReceipts", "PosyReceiptsPolicy", "PosyAuth", "PosySchema",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Services/Receipts/Main", linkerSettings: serviceLinking),
        .target(
            name: "PosyNotify",
            dependencies: [
                "PosySettings", "PosyWebPush",
                "PosySchema", "PosyCore", "PosyStore", "PosyAccess", "PosyAuth",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/Notify/Library"),
        .executableTarget(
            name: "posy-notify",
            dependencies: [
                "PosySettings", "PosyWebPush",
                "PosyCore", "PosyNotify", "PosyAuth", "PosySchema", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Services/Notify/Main", linkerSettings: serviceLinking),
        .target(
            name: "PosyGateway",
            dependencies: [
                "PosySettings",
                "PosyCore", "PosyAuth", "PosyAccess", "PosySchema", "PosyOrdersPolicy", "PosyReceiptsPolicy", "PosyLocationPolicy",
                "PosyZMQ",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Services/Gateway/Library"),
        .executableTarget(
            name: "posy-gateway",
            dependencies: [
                "PosySettings",
                "PosyGateway", "PosyAuth", "PosyCore", "PosySchema", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Services/Gateway/Main", linkerSettings: serviceLinking),
        .target(
            name: "PosyCLI",
            dependencies: [
                "PosySettings", "PosyWebPush",
                "PosyCore", "PosyAuth", "PosyAccess", "PosyStore", "PosySchema", "PosyZMQ", "PosyReceiptsPolicy",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Services/CLI/Library"),
        .executableTarget(
            name: "posy", dependencies: ["PosyCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Services/CLI/Main"),
        // The benchmarks: their own target and executable (`posy bench` runs `posy-bench`).
        .target(
            name: "PosyBench",
            dependencies: [
                "PosyCLI", "PosyCore", "PosyAuth", "PosyAccess", "PosySchema", "PosyStore", "PosyZMQ",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/CLI/Bench"),
        .executableTarget(
            name: "posy-bench", dependencies: ["PosyBench", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Services/CLI/BenchMain"),
        // Tests/
        .testTarget(
            name: "PosyUnitTests",
            dependencies: [
                "PosySettings", "CSQLite",
                "PosySchema", "PosyZMQ", "PosyStore", "PosyCore", "PosyAuth", "PosyAccess", "PosyOrders", "PosyOrdersPolicy",
                "PosyReceipts", "PosyReceiptsPolicy", "PosyMessaging", "PosyLocation", "PosyLocationPolicy", "PosyGateway", "PosyNotify",
                "PosyWebPush",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/PosyUnitTests"),
        .testTarget(
            name: "PosyIntegrationTests",
            dependencies: [
                "PosyCore", "PosyAuth", "PosyAccess", "PosySchema", "PosyStore", "PosyZMQ", "PosyGateway", "PosyCLI",
                .product(name: "Yams", package: "Yams"), .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Tests/PosyIntegrationTests"),
    ],
    swiftLanguageModes: [.v6]
)

import Foundation
import PosyCore
import PosyGateway
import PosySettings
import Testing

/// Settings are declared once and read one way: the flag, else the `POSY_*` variable (through
/// swift-configuration), else the default; a malformed variable is an error, never the default;
/// docs/operations.md's table is the declarations'.
@Suite struct SettingsTests {
    @Test func theDocsTableIsTheDeclarations() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/operations.md").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let begin = try #require(text.range(of: "<!-- settings:begin"))
        let body = try #require(text.range(of: "-->\n", range: begin.upperBound..<text.endIndex))
        let end = try #require(text.range(of: "<!-- settings:end -->", range: body.upperBound..<text.endIndex))
        #expect(String(text[body.upperBound..<end.lowerBound]) == SettingsTable.markdown, "run `posy settings` and paste its table")
    }

    @Test func eachVariableIsDeclaredOnceAndEachFlagOncePerCatalogue() {
        let variables = SettingsTable.rows.map(\.setting.variable)
        #expect(Set(variables).count == variables.count, "\(variables.sorted())")
        #expect(variables.count > 60)
        for type in SettingsTable.catalogues {
            let flags = type.init().all.compactMap(\.flag)
            #expect(Set(flags).count == flags.count, "\(type.takenBy): \(flags.sorted())")
        }
        #expect(variables.allSatisfy { $0.hasPrefix("POSY_") })
    }

    @Test func theFlagWinsThenTheVariableThenTheDefault() throws {
        let s = ServiceSettings()
        let env = Settings(environment: ["POSY_BUS_PUB": "tcp://10.0.0.1:7100", "POSY_DATA_DIR": "", "POSY_SYNC_FULL": "1"])
        #expect(try env.value(s.busPub, flag: "tcp://10.0.0.2:7100") == "tcp://10.0.0.2:7100")
        #expect(try env.value(s.busPub) == "tcp://10.0.0.1:7100")
        #expect(try env.value(s.busSub) == "tcp://127.0.0.1:7101")
        #expect(try env.value(s.dataDir) == "./data", "empty is unset")
        #expect(try env.isOn(s.syncFull) && !(try env.isOn(s.insecureBus)))
        #expect(try env.optional(s.keysDir) == nil)
        #expect(env.isGiven(s.busPub) && !env.isGiven(s.dataDir) && !env.isGiven(s.busSub))
        // Where empty means something, it is a value.
        let tiles = GatewaySettings().mapTiles
        #expect(try Settings(environment: ["POSY_MAP_TILES": ""]).value(tiles) == "")
        #expect(try Settings(environment: [:]).value(tiles) == tiles.standard)
        // A per-service variable.
        let rpc = s.rpc.of(service: "orders")
        #expect(try Settings(environment: ["POSY_ORDERS_RPC": "tcp://*:9"]).optional(rpc) == "tcp://*:9")
    }

    @Test func aMalformedVariableIsAnErrorNamingItNeverTheDefault() throws {
        let g = GatewaySettings()
        #expect(throws: SettingError(variable: "POSY_RATE_LIMIT", text: "fifty", expected: "a number")) {
            _ = try Settings(environment: ["POSY_RATE_LIMIT": "fifty"]).value(g.rateLimit)
        }
        #expect(throws: SettingError.self) { _ = try Settings(environment: ["POSY_HTTP_PORT": "80.5"]).value(g.httpPort) }
        #expect(throws: SettingError.self) { _ = try Settings(environment: ["POSY_TURN_RELAY_ONLY": "maybe"]).isOn(g.turnRelayOnly) }
        #expect(throws: SettingError.self) { _ = try Settings(environment: ["POSY_RATE_BURST": "inf"]).value(g.rateBurst) }
        // Options resolve through the same reading: the process stops at start, naming the variable.
        let options = try GatewayOptions.parse([])
        #expect(throws: SettingError.self) { _ = try options.config(Settings(environment: ["POSY_RATE_LIMIT": "fifty"])) }
        let config = try options.config(Settings(environment: ["POSY_MAP_TILES": "", "POSY_HTTP_PORT": "9090"]))
        #expect(config.web.mapTiles == "" && config.port == 9090 && config.publicURL == "http://127.0.0.1:9090")
        let flagged = try GatewayOptions.parse(["--http-port", "9191", "--expect", "bus, orders"]).config(
            Settings(environment: ["POSY_HTTP_PORT": "9090"]))
        #expect(flagged.port == 9191 && flagged.expect == ["bus", "orders"])
    }

    @Test func serviceOptionsResolveFlagsVariablesAndDefaults() throws {
        let options = try ServiceOptions.parse(["--bus-pub", "tcp://10.0.0.2:7100", "--sync-full"])
        let c = try options.config(Settings(environment: ["POSY_BUS_SUB": "tcp://10.0.0.2:7101", "POSY_LOG_LEVEL": "debug"]))
        #expect(c.busPub == "tcp://10.0.0.2:7100" && c.busSub == "tcp://10.0.0.2:7101" && c.syncFull && c.logLevel == .debug)
        #expect(c.dataDir == "./data" && c.retentionHours == 168 && !c.insecureBus)
        #expect(throws: (any Error).self) { _ = try options.config(Settings(environment: ["POSY_LOG_LEVEL": "loud"])) }
    }

    @Test func checkingAnEnvironmentNamesTyposAndBadValues() {
        let problems = SettingsTable.problems(in: [
            "POSY_RATE_LIMT": "5", "POSY_TURN_TTL": "ten", "POSY_ORDERS_RPC": "tcp://*:1", "POSY_GATEWAY_ADVERTISE": "tcp://a:1",
            "PATH": "/usr/bin", "POSY_HTTP_PORT": "8080",
        ])
        #expect(problems.count == 2, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("POSY_TURN_TTL=") } && problems.contains { $0.hasPrefix("POSY_RATE_LIMT is not") })
        #expect(SettingsTable.problems(in: ["POSY_HTTP_PORT": "8080", "POSY_SYNC_FULL": "1"]).isEmpty)
    }
}

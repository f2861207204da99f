import Logging
import PosySettings
import ServiceLifecycle

/// Lets go of the process's executable once, `after` seconds from start (``StartPages``;
/// docs/architecture.md, "Linking"), unless the process stops first. A process's, not a host's:
/// `ServiceMain` runs it, so a benchmark that hosts services inside itself does not page its own code
/// out in the middle of a run.
public struct StartRelease: Service {
    let after: Double
    let logger: Logger

    /// The release as `ServiceMain` runs it — `POSY_RELEASE_START_AFTER` seconds after start, its end
    /// not the group's — or none when the setting is 0.
    static func configurations(
        logger: Logger, settings: Settings = .process
    ) throws
        -> [ServiceGroupConfiguration.ServiceConfiguration]
    {
        let setting = SuiteSettings().releaseStartAfter
        let after = try settings.value(setting)
        guard after.isFinite, after >= 0 else {
            throw SettingError(variable: setting.variable, text: "\(after)", expected: "seconds ≥ 0")
        }
        guard after > 0 else { return [] }
        return [.init(service: StartRelease(after: after, logger: logger), successTerminationBehavior: .ignore)]
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(after)) }
        } catch {
            return  // stopped first
        }
        // Said before it is done: code that runs after the release comes back from disk, and logging
        // is no part of a service at rest.
        do {
            let mappings = try StartPages.executableMappings()
            logger.info(
                "releasing start pages",
                metadata: ["bytes": "\(mappings.reduce(0) { $0 + $1.range.count })", "rss_bytes": "\(ResidentMemory.bytes() ?? -1)"])
            try StartPages.release(mappings)
        } catch {
            logger.notice("start pages kept", metadata: ["error": "\(error)", "code": "\(StartPages.Unavailable.code)"])
        }
    }
}

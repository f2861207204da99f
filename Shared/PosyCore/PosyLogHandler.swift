import Foundation
import Logging
import PosySchema
import Synchronization

/// A swift-log handler writing one logfmt line per entry to stderr:
/// `2026-11-24T20:15:03.042Z info orders: event applied topic=sys.probe seq=3`.
public struct PosyLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let extra = event.metadata { all.merge(extra) { _, new in new } }
        var line = "\(Timestamp.now()) \(event.level) \(label): \(event.message)"
        for key in all.keys.sorted() {
            line += " \(key)=\(Self.quote("\(all[key]!)"))"
        }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func quote(_ value: String) -> String {
        if value.isEmpty { return "\"\"" }
        if value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) {
            return "\""
                + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n") + "\""
        }
        return value
    }

    private static let installed = Atomic<Bool>(false)

    /// Installs this handler process-wide; later calls do nothing.
    public static func bootstrap(level: Logger.Level) {
        guard installed.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        LoggingSystem.bootstrap { label in PosyLogHandler(label: label, level: level) }
    }
}

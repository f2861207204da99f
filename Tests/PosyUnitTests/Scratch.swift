import Foundation

/// Where the unit tests put their stores and files: one directory for this test process
/// (`posy-unit-<pid>`), removed when it exits. One a crashed process left behind is removed by the
/// integration harness's next run (`Harness.runDirectory`).
enum Scratch {
    static let directory: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("posy-unit-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: Scratch.directory) }
        return dir
    }()
}

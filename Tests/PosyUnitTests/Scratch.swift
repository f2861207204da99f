import Foundation

/// Where the unit tests put their stores and files: one directory for this test process, removed
/// when it exits; directories left by processes that died first are removed by the next run.
enum Scratch {
    static let directory: URL = {
        let tmp = FileManager.default.temporaryDirectory
        let prefix = "posy-unit-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? [] where name.hasPrefix(prefix) {
            // kill(pid, 0) fails with ESRCH only when no such process lives.
            if let pid = Int32(name.dropFirst(prefix.count)), kill(pid, 0) != 0, errno == ESRCH {
                try? FileManager.default.removeItem(at: tmp.appendingPathComponent(name))
            }
        }
        let dir = tmp.appendingPathComponent("\(prefix)\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: Scratch.directory) }
        return dir
    }()
}

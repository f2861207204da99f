/// The statements of the savepoint at one nesting depth, made once: every write job of a group
/// opens one, and building their text anew each time cost a few allocations per job
/// (docs/performance.md, "Allocations per event").
struct SavepointSQL: Sendable {
    let begin: String
    let release: String
    let rollback: String

    init(depth: Int) {
        begin = "SAVEPOINT sp\(depth)"
        release = "RELEASE sp\(depth)"
        rollback = "ROLLBACK TO sp\(depth)"
    }

    private static let common = (0...8).map(SavepointSQL.init(depth:))

    static func at(depth: Int) -> SavepointSQL {
        depth < common.count ? common[depth] : SavepointSQL(depth: depth)
    }
}

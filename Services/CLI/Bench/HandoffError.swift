/// Why `posy bench handoff` could not run.
enum HandoffError: Error, CustomStringConvertible {
    case noPipe(Int32)

    /// Stable, for scripts that read the failure.
    var code: String {
        switch self {
        case .noPipe: "handoff_no_pipe"
        }
    }

    var description: String {
        switch self {
        case .noPipe(let errno): "\(code): pipe failed (errno \(errno))"
        }
    }
}

/// Why `posy bench handoff` could not run.
enum HandoffError: Error, CustomStringConvertible {
    case noPipe(Int32)

    var description: String {
        switch self {
        case .noPipe(let errno): "pipe failed (errno \(errno))"
        }
    }
}

/// A benchmark's stream was closed when it had a frame to send: why, as first seen (the gateway's
/// close frame, an error, or the connection gone).
struct BenchStreamClosed: Error, CustomStringConvertible {
    let why: String

    var description: String { "the stream is closed (\(why))" }
}

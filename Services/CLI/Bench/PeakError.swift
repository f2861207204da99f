/// Why `posy bench peak` or one of its drivers stopped, or why one order could not go on (said as it is,
/// with no usage text after it).
struct PeakError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}

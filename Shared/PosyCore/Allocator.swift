import CMalloc
import Foundation
import PosySettings

/// Process-wide allocator tuning, applied first thing in every Posy process.
///
/// Posy's hot buffers are allocated on one thread and freed on another (the store's writer thread
/// encodes an envelope, a socket thread sends it, the subscriber's actor frees what it received).
/// With glibc's default of up to 8 arenas per core, such cross-thread frees made the durable
/// benchmark bimodal (≈55k or ≈28k events/s from run to run); two arenas made it stable
/// (docs/performance.md). `POSY_MALLOC_ARENAS` sets another limit (0 leaves glibc's default);
/// an explicit `MALLOC_ARENA_MAX` in the environment always wins.
public enum Allocator {
    public static let defaultArenas = SuiteSettings().mallocArenas.standard

    /// Returns the arena limit it applied, or nil when it left glibc alone (a malformed
    /// `POSY_MALLOC_ARENAS` too: tuning runs before anything could report it; `posy settings` shows it).
    @discardableResult
    public static func tune() -> Int? {
        if ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] != nil { return nil }
        let arenas = (try? Settings.process.value(SuiteSettings().mallocArenas)) ?? defaultArenas
        guard arenas > 0 else { return nil }
        return posy_malloc_arena_max(Int32(arenas)) == 1 ? arenas : nil
    }
}

import Foundation

/// A way posy-notify delivers out of the suite (docs/architecture.md, "Notify"): its name in the
/// `outbound` table's `channel` column and how one delivery goes out. Returns the HTTP status of a
/// call that was answered (nil where there is none, as with SMTP); throws why it failed.
protocol OutboundChannel: Sendable {
    var name: String { get }
    func send(_ job: OutboundSender.Job, signedAt: Date) async throws(OutboundFailure) -> Int?
}

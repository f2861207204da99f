import Foundation
import PosyAccess
import PosyCore
import PosySchema

/// Whether a signed-in person's session and a shop's API key still grant access
/// (docs/protocol.md, "Sign-in and sessions"). posy-orders decides; the gateway hears every end on
/// `fleet.access.ended` at once and closes the streams it ended. What it has not heard of (it was
/// down, a message was lost) it asks posy-orders about at least every ``recheck``.
final class AccessGuard: Sendable {
    /// How long a "still valid" answer is trusted without hearing otherwise.
    static let recheck: TimeInterval = 30
    /// How long an ended id is remembered: longer than any session token lives.
    static let forget: TimeInterval = 24 * 3600

    struct State: Sendable {
        var valid: [String: Date] = [:]
        var ended: [String: Date] = [:]
        var keys: [String: (key: APIKey, at: Date)] = [:]
        var watchers: [String: [Int: @Sendable () -> Void]] = [:]
        var nextWatcher = 0
    }

    let backend: any GatewayBackend
    let now: @Sendable () -> Date
    private let state = Locked(State())

    init(backend: any GatewayBackend, now: @escaping @Sendable () -> Date = { Date() }) {
        self.backend = backend
        self.now = now
    }

    /// Throws `unauthorized` when the claims' session has ended; tokens without a session pass.
    func admit(_ claims: TokenClaims) async throws {
        guard let sid = claims.sid else { return }
        let t = now()
        let known = state.withLock { s -> Bool? in
            if s.ended[sid] != nil { return false }
            if let at = s.valid[sid], t.timeIntervalSince(at) < Self.recheck { return true }
            return nil
        }
        switch known {
        case true: return
        case false: throw Self.ended
        default:
            let reply = try await backend.call(PeopleRPC.check, PeopleRPC.AccessCheck(sessions: [sid]), as: nil)
            if reply.sessions.contains(sid) {
                end([sid])
                throw Self.ended
            }
            state.withLock { $0.valid[sid] = t }
        }
    }

    /// Whether `sid` is known to have ended, without asking (the stream's preflight, which cannot wait).
    func hasEnded(_ sid: String?) -> Bool {
        guard let sid else { return false }
        return state.withLock { $0.ended[sid] != nil }
    }

    /// The live API key `value` names; posy-orders is asked at most every ``recheck`` per key.
    func apiKey(_ value: String) async throws -> APIKey {
        let t = now()
        let cached = state.withLock { s -> APIKey? in
            guard let entry = s.keys[value], t.timeIntervalSince(entry.at) < Self.recheck, s.ended[entry.key.id] == nil else {
                return nil
            }
            return entry.key
        }
        if let cached { return cached }
        let key = try await backend.call(PeopleRPC.verifyKey, PeopleRPC.CodeRequest(code: value), as: nil)
        state.withLock { s in
            if s.keys.count > 10_000 { s.keys.removeAll() }
            s.keys[value] = (key, t)
        }
        return key
    }

    /// Sessions or keys that ended: refused from now on, their streams told.
    func end(_ ids: [String]) {
        let t = now()
        let told = state.withLock { s -> [@Sendable () -> Void] in
            if s.ended.count > 100_000 { s.ended = s.ended.filter { t.timeIntervalSince($0.value) < Self.forget } }
            var told: [@Sendable () -> Void] = []
            for id in ids {
                s.ended[id] = t
                s.valid[id] = nil
                told += s.watchers.removeValue(forKey: id)?.values.map { $0 } ?? []
            }
            s.keys = s.keys.filter { !ids.contains($0.value.key.id) }
            return told
        }
        for ended in told { ended() }
    }

    /// Calls `ended` once when `id` ends (at once if it already has); `cancel` with the returned
    /// number when the connection ends first. A callback, not a task per connection: an idle stream
    /// keeps nothing waiting (docs/architecture.md, "Idle costs nothing").
    func watch(_ id: String, ended: @escaping @Sendable () -> Void) -> Int {
        let n = state.withLock { s -> Int? in
            if s.ended[id] != nil { return nil }
            s.nextWatcher += 1
            s.watchers[id, default: [:]][s.nextWatcher] = ended
            return s.nextWatcher
        }
        guard let n else {
            ended()
            return 0
        }
        return n
    }

    func cancel(_ id: String, _ n: Int) {
        state.withLock { s in
            s.watchers[id]?[n] = nil
            if s.watchers[id]?.isEmpty == true { s.watchers[id] = nil }
        }
    }

    static let ended = PosyError(.unauthorized, "the session has ended; sign in again")
}

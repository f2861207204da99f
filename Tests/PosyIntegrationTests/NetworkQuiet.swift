import Foundation

/// Keeps the host's network interfaces still while a browser runs: Chromium aborts every load in
/// flight with `net::ERR_NETWORK_CHANGED` when an interface or address of its namespace comes or
/// goes, and ``NetLab`` adds and removes a bridge and veths in the test process's namespace. The
/// lanes run side by side, so a lab and a browser exclude each other here: any number of
/// browsers at once, or one lab; a waiting lab goes before browsers that arrive after it.
actor NetworkQuiet {
    static let shared = NetworkQuiet()

    private var browsers = 0
    private var changing = false
    private var changers: [CheckedContinuation<Void, Never>] = []
    private var waitingBrowsers: [CheckedContinuation<Void, Never>] = []

    /// Runs `body` (which drives Chromium) while no lab changes the interfaces.
    static func whileBrowsing<T>(_ body: () async throws -> T) async throws -> T {
        await shared.beginBrowsing()
        return try await finally(body) { await shared.endBrowsing() }
    }

    /// Runs `body` (which makes, uses and removes a lab) while no browser runs.
    static func whileChanging<T>(_ body: () async throws -> T) async throws -> T {
        await shared.beginChanging()
        return try await finally(body) { await shared.endChanging() }
    }

    /// `body`'s result or error, after `end` ran either way.
    private static func finally<T>(_ body: () async throws -> T, _ end: () async -> Void) async throws -> T {
        do {
            let result = try await body()
            await end()
            return result
        } catch {
            await end()
            throw error
        }
    }

    /// Whether `Tests/python/<script>` drives Chromium (every such script uses `webpage.py`).
    static func drivesABrowser(_ script: String) -> Bool {
        let path = Harness.packageRoot.appendingPathComponent("Tests/python/\(script)").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return false }
        return text.split(separator: "\n").contains { $0.hasPrefix("from webpage import") || $0 == "import webpage" }
    }

    private func beginBrowsing() async {
        if changing || !changers.isEmpty {
            await withCheckedContinuation { waitingBrowsers.append($0) }
        } else {
            browsers += 1
        }
    }

    private func endBrowsing() {
        browsers -= 1
        if browsers == 0, !changers.isEmpty {
            changing = true
            changers.removeFirst().resume()
        }
    }

    private func beginChanging() async {
        if changing || browsers > 0 {
            await withCheckedContinuation { changers.append($0) }
        } else {
            changing = true
        }
    }

    private func endChanging() {
        if !changers.isEmpty {
            changers.removeFirst().resume()
            return
        }
        changing = false
        browsers += waitingBrowsers.count
        for waiting in waitingBrowsers { waiting.resume() }
        waitingBrowsers.removeAll()
    }
}
